/**
 * `tsgi serve --help` and the settings table of the docs, both generated from
 * the settings table so that neither can miss an option.
 *
 * @module
 */
import {
  OPTION_NAMES,
  OPTIONS,
  type OptionGroup,
  type OptionName,
  type OptionSpec,
} from '../options.js';

/** The flag column of one option: `-w, --workers N`, `--[no-]access-log`, `APP`. */
export function flagUsage(name: OptionName): string {
  const spec = OPTIONS[name] as OptionSpec<unknown>;
  if (spec.positional) return spec.flag;
  const long = spec.kind.boolean
    ? `--[no-]${spec.flag.slice(2)}`
    : `${spec.flag} ${spec.kind.metavar}`;
  return spec.short ? `${spec.short}, ${long}` : long;
}

/** The default of one option as a user would type it. */
export function defaultText(name: OptionName): string {
  const spec = OPTIONS[name] as OptionSpec<unknown>;
  if (name === 'app') return 'required';
  return spec.kind.format(spec.default);
}

function groups(): Map<OptionGroup, OptionName[]> {
  const result = new Map<OptionGroup, OptionName[]>();
  for (const name of OPTION_NAMES) {
    const group = OPTIONS[name].group;
    const list = result.get(group) ?? [];
    list.push(name);
    result.set(group, list);
  }
  return result;
}

const FLAG_WIDTH = 36;
const LINE_WIDTH = 100;

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The text of `tsgi serve --help`. */
export function formatServeHelp(): string {
  const lines = [
    'Usage: tsgi serve APP [options]',
    '',
    'Serves a TSGI application. APP is path/to/module.js:exportName, or the',
    'module alone for its default export; .ts files load without a build step.',
    '',
    'Every option can also be set by its environment variable. Precedence:',
    'flags, then environment, then defaults. Booleans take --x and --no-x.',
  ];
  for (const [group, names] of groups()) {
    lines.push('', `${group}:`);
    const indent = ' '.repeat(FLAG_WIDTH);
    for (const name of names) {
      const spec = OPTIONS[name];
      const flag = `  ${flagUsage(name)}`;
      const text = wrap(spec.help, LINE_WIDTH - FLAG_WIDTH);
      if (flag.length < FLAG_WIDTH) lines.push(`${flag.padEnd(FLAG_WIDTH)}${text.shift()}`);
      else lines.push(flag);
      for (const line of text) lines.push(`${indent}${line}`);
      const env = `[env: ${spec.env.join(', ')}]`;
      const fallback = `[default: ${defaultText(name)}]`;
      if (FLAG_WIDTH + env.length + 1 + fallback.length <= LINE_WIDTH) {
        lines.push(`${indent}${env} ${fallback}`);
      } else {
        lines.push(`${indent}${env}`, `${indent}${fallback}`);
      }
    }
  }
  lines.push(
    '',
    'Signals: TERM/INT stop gracefully (twice: at once), HUP reloads workers,',
    'TTIN/TTOU add/remove a worker, USR1 reopens log files.',
    '',
    'Exit status: 0 after a clean stop, 1 when the app or a worker fails,',
    '2 for a usage mistake (option, app path, export, address in use).',
  );
  return lines.join('\n') + '\n';
}

/** The text of `tsgi --help`. */
export function formatMainHelp(): string {
  return [
    'Usage: tsgi <command> [options]',
    '',
    'Commands:',
    '  serve APP [options]   Serve a TSGI application (see tsgi serve --help).',
    '',
    'Options:',
    '  -h, --help            Show this help.',
    '  -V, --version         Show the version of tsgi and of the TSGI spec it implements.',
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The settings table of the docs, as Markdown: flag, environment, default, description. */
export function formatOptionsMarkdown(): string {
  const lines: string[] = [];
  for (const [group, names] of groups()) {
    lines.push(
      `### ${group}`,
      '',
      '| Setting | Flag | Environment | Default | Description |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const name of names) {
      const spec = OPTIONS[name];
      lines.push(
        `| \`${name}\` | \`${cell(flagUsage(name))}\` | ${spec.env.map((v) => `\`${v}\``).join(', ')} | \`${cell(defaultText(name))}\` | ${cell(spec.help)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
