// The README's main command ends here. The reference server and the example
// echonext app are not built yet; until they are, say so plainly.
console.log(
  'The reference server (`tsgi serve`) and the example echonext app are not built yet.\n' +
    'Install and build succeeded; run `pnpm test` to run the test suite.',
);
