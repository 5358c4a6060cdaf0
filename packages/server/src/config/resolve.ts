/**
 * Option resolution: defaults, then the programmatic object, then the
 * environment, then CLI flags, each layer checked by the settings table.
 *
 * This module reads the table only inside functions, so that the re-export
 * from `options.ts` may form an import cycle safely.
 *
 * @module
 */
import { describeValue } from 'tsgi';
import {
  defaultOptions,
  OPTION_NAMES,
  OPTIONS,
  type OptionName,
  type OptionSpec,
  OptionsError,
  type ServerOptions,
  type ServerOptionsInput,
} from '../options.js';
import { closestMatch } from './suggest.js';

/** Where a resolved value came from. */
export type OptionSource = 'default' | 'input' | 'env' | 'cli';

/** Resolved options together with where each value came from. */
export interface ResolvedOptions {
  /** The resolved settings. */
  options: ServerOptions;
  /** The source of each setting's value. */
  sources: Record<OptionName, OptionSource>;
}

/** The environment variables the server itself sets for its workers; never user settings. */
const INTERNAL_ENV = new Set(['TSGI_SERVER_WORKER']);

function fail(where: string, expected: string, received: string, option: OptionName): never {
  throw new OptionsError(`${where}: expected ${expected}, got ${received}`, option);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function applyText(
  result: Record<OptionName, unknown>,
  name: OptionName,
  text: string,
  where: string,
  append: boolean,
): void {
  const spec = OPTIONS[name] as OptionSpec<unknown>;
  const value = spec.kind.fromText(text);
  if (value === undefined) fail(where, spec.kind.expected, quote(text), name);
  const merged =
    append && Array.isArray(value) ? [...(result[name] as unknown[]), ...value] : value;
  result[name] = finish(spec, merged, where, name);
}

function finish(spec: OptionSpec<unknown>, value: unknown, where: string, name: OptionName) {
  const problem = spec.check?.(value);
  if (problem !== undefined) {
    // A check that already quotes the offending item says "got ..." itself.
    if (problem.includes(', got ')) throw new OptionsError(`${where}: expected ${problem}`, name);
    fail(where, problem, describeValue(value), name);
  }
  return spec.normalize ? spec.normalize(value) : value;
}

function applyInput(
  result: Record<OptionName, unknown>,
  sources: Record<OptionName, OptionSource>,
  input: ServerOptionsInput,
): void {
  for (const key of Object.keys(input)) {
    const raw = (input as Record<string, unknown>)[key];
    if (raw === undefined) continue;
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      const guess = closestMatch(key, OPTION_NAMES);
      const hint = guess ? `; did you mean "${guess}"?` : '';
      throw new OptionsError(`unknown option "${key}"${hint}`);
    }
    const name = key as OptionName;
    const spec = OPTIONS[name] as OptionSpec<unknown>;
    const where = `options.${name}`;
    const value = spec.kind.fromValue(raw);
    if (value === undefined) fail(where, spec.kind.expected, describeValue(raw), name);
    result[name] = finish(spec, value, where, name);
    sources[name] = 'input';
  }
}

function applyEnv(
  result: Record<OptionName, unknown>,
  sources: Record<OptionName, OptionSource>,
  env: Readonly<Record<string, string | undefined>>,
): void {
  for (const name of OPTION_NAMES) {
    const spec = OPTIONS[name] as OptionSpec<unknown>;
    for (const variable of spec.env) {
      const text = env[variable];
      if (text === undefined || text === '') continue;
      // Lists from the environment may be separated by white space as well as commas.
      const normalized = spec.kind.list
        ? text
            .trim()
            .split(/[\s,]+/)
            .join(',')
        : text;
      applyText(result, name, normalized, variable, false);
      sources[name] = 'env';
      break;
    }
  }
}

interface FlagMatch {
  name: OptionName;
  negated: boolean;
}

function flagTable(): Map<string, FlagMatch> {
  const flags = new Map<string, FlagMatch>();
  for (const name of OPTION_NAMES) {
    const spec = OPTIONS[name];
    if (spec.positional) continue;
    flags.set(spec.flag, { name, negated: false });
    if (spec.short) flags.set(spec.short, { name, negated: false });
    if (spec.kind.boolean) flags.set(`--no-${spec.flag.slice(2)}`, { name, negated: true });
  }
  return flags;
}

/** Every flag the CLI accepts for settings, `--no-x` forms included. */
export function knownFlags(): string[] {
  return [...flagTable().keys()];
}

function unknownFlag(flag: string, flags: Map<string, FlagMatch>): never {
  if (flag.startsWith('--no-') && flags.has(`--${flag.slice(5)}`)) {
    throw new OptionsError(
      `unknown option ${flag}: --${flag.slice(5)} takes a value and has no --no- form; see tsgi serve --help`,
    );
  }
  const known = [...flags.keys()].filter((f) => f.startsWith('--'));
  const guess = flag.startsWith('--') ? closestMatch(flag, known) : undefined;
  throw new OptionsError(
    guess
      ? `unknown option ${flag}; did you mean ${guess}? See tsgi serve --help`
      : `unknown option ${flag}; see tsgi serve --help`,
  );
}

function applyArgv(
  result: Record<OptionName, unknown>,
  sources: Record<OptionName, OptionSource>,
  argv: readonly string[],
): void {
  const flags = flagTable();
  const seenList = new Set<OptionName>();
  let positionalDone = false;
  const positional = (token: string) => {
    if (positionalDone) {
      throw new OptionsError(
        `unexpected argument ${quote(token)}: only one app can be served (it is ${quote(String(result.app))})`,
        'app',
      );
    }
    applyText(result, 'app', token, 'APP', false);
    sources.app = 'cli';
    positionalDone = true;
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      for (const rest of argv.slice(i + 1)) positional(rest);
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positional(token);
      continue;
    }
    let flag = token;
    let inline: string | undefined;
    const eq = token.indexOf('=');
    if (token.startsWith('--') && eq > 0) {
      flag = token.slice(0, eq);
      inline = token.slice(eq + 1);
    } else if (!token.startsWith('--') && token.length > 2) {
      // -w4 and -w=4
      flag = token.slice(0, 2);
      inline = token.slice(token[2] === '=' ? 3 : 2);
    }
    const match = flags.get(flag);
    if (match === undefined) unknownFlag(flag, flags);
    const { name, negated } = match;
    const spec = OPTIONS[name] as OptionSpec<unknown>;
    const canonical = spec.flag;
    if (spec.kind.boolean) {
      if (negated && inline !== undefined) {
        throw new OptionsError(`${flag} takes no value; use ${canonical}=${inline} instead`, name);
      }
      if (inline === undefined) result[name] = !negated;
      else applyText(result, name, inline, canonical, false);
      sources[name] = 'cli';
      continue;
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new OptionsError(
          `${canonical}: expected a value (${spec.kind.expected}), got nothing`,
          name,
        );
      }
      text = next;
      i++;
    }
    const append = spec.kind.list && seenList.has(name);
    applyText(result, name, text, canonical, append);
    seenList.add(name);
    sources[name] = 'cli';
  }
}

const RANK: Record<OptionSource, number> = { default: 0, input: 1, env: 2, cli: 3 };

function checkCombinations(
  options: ServerOptions,
  sources: Record<OptionName, OptionSource>,
  env: Readonly<Record<string, string | undefined>>,
) {
  const flagOf = (name: OptionName) => OPTIONS[name].flag;
  if (options.bind.length > 0) {
    // The platform's PORT is a fallback below every explicit choice.
    const portRank =
      sources.port === 'env' && !env.TSGI_PORT ? RANK.input + 0.5 : RANK[sources.port];
    const tcp = Math.max(RANK[sources.host], portRank);
    const bind = RANK[sources.bind];
    if (tcp === bind) {
      const name = RANK[sources.host] === bind ? 'host' : 'port';
      throw new OptionsError(
        `${flagOf(name)} and --bind both given; use only --bind (for example --bind ${options.host}:${options.port})`,
        name,
      );
    }
    // The higher source wins, as with any other setting.
    if (tcp > bind) options.bind = [];
  }
  if ((options.certfile === null) !== (options.keyfile === null)) {
    const [given, missing] =
      options.certfile === null ? ['--keyfile', '--certfile'] : ['--certfile', '--keyfile'];
    throw new OptionsError(
      `${given} needs ${missing} as well: HTTPS takes a certificate and its key`,
      options.certfile === null ? 'certfile' : 'keyfile',
    );
  }
  for (const name of ['keyPassword', 'caCerts'] as const) {
    if (options[name] !== null && options.certfile === null) {
      throw new OptionsError(`${flagOf(name)} needs --certfile and --keyfile (HTTPS)`, name);
    }
  }
  if (options.clientCert !== 'none' && options.certfile === null) {
    throw new OptionsError(
      `--client-cert ${options.clientCert} needs --certfile and --keyfile (HTTPS)`,
      'clientCert',
    );
  }
}

/**
 * Resolves settings from defaults, the programmatic `input`, the environment
 * and CLI arguments (highest priority last), and says where each value came
 * from. `argv` holds the arguments after `tsgi serve`.
 *
 * @throws `OptionsError` with a one-line message for an unknown option,
 *   a malformed value or conflicting settings.
 */
export function resolveOptionsDetailed(
  input: ServerOptionsInput = {},
  env: Readonly<Record<string, string | undefined>> = {},
  argv: readonly string[] = [],
): ResolvedOptions {
  const result = defaultOptions() as unknown as Record<OptionName, unknown>;
  const sources = {} as Record<OptionName, OptionSource>;
  for (const name of OPTION_NAMES) sources[name] = 'default';
  applyInput(result, sources, input);
  applyEnv(result, sources, env);
  applyArgv(result, sources, argv);
  const options = result as unknown as ServerOptions;
  // Platforms that set PORT expect the server on every interface, as gunicorn does.
  if (sources.host === 'default' && sources.port === 'env' && env.TSGI_PORT === undefined) {
    options.host = '0.0.0.0';
  }
  checkCombinations(options, sources, env);
  return { options, sources };
}

/**
 * Resolves settings from defaults, the programmatic `input`, the environment
 * and CLI arguments; CLI flags win over the environment, which wins over
 * `input`, which wins over the defaults.
 *
 * @param input - settings given in code.
 * @param env - environment variables (pass `process.env` to honour them; none by default).
 * @param argv - arguments after `tsgi serve`: the app and flags.
 * @throws `OptionsError` with a one-line message.
 */
export function resolveOptions(
  input: ServerOptionsInput = {},
  env: Readonly<Record<string, string | undefined>> = {},
  argv: readonly string[] = [],
): ServerOptions {
  return resolveOptionsDetailed(input, env, argv).options;
}

/**
 * Warnings for `TSGI_*` environment variables that name no setting, with the
 * closest known variable: a typo there would otherwise be ignored silently.
 */
export function unknownEnvironmentVariables(
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const known = OPTION_NAMES.flatMap((name) => OPTIONS[name].env).filter((v) =>
    v.startsWith('TSGI_'),
  );
  const warnings: string[] = [];
  for (const variable of Object.keys(env)) {
    if (!variable.startsWith('TSGI_') || known.includes(variable) || INTERNAL_ENV.has(variable)) {
      continue;
    }
    const guess = closestMatch(variable, known);
    warnings.push(
      `ignoring unknown environment variable ${variable}${guess ? `; did you mean ${guess}?` : ''}`,
    );
  }
  return warnings;
}
