/**
 * TLS settings for HTTPS: reads the certificate, key and CA files once and
 * checks that they form a usable context, so that a bad file is reported in
 * one line at startup rather than on the first connection.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { TsgiError } from 'tsgi';
import { ServerErrorCode } from '../options.js';

/** The TLS fields of `https.createServer` options that the server sets. */
export interface TlsServerOptions {
  /** The certificate chain, PEM. */
  cert: Buffer;
  /** The private key, PEM. */
  key: Buffer;
  /** The key's passphrase. */
  passphrase?: string;
  /** CA certificates for client certificates, PEM. */
  ca?: Buffer;
  /** Whether to ask clients for a certificate. */
  requestCert: boolean;
  /** Whether to refuse clients without a valid certificate. */
  rejectUnauthorized: boolean;
  /** ALPN protocols offered. */
  ALPNProtocols: string[];
}

/** The settings {@link loadTls} reads. */
export interface TlsSettings {
  /** Certificate file. */
  certfile: string | null;
  /** Key file. */
  keyfile: string | null;
  /** Key passphrase. */
  keyPassword: string | null;
  /** CA file. */
  caCerts: string | null;
  /** Client certificate mode. */
  clientCert: 'none' | 'optional' | 'required';
}

/** A TLS file could not be read or the certificate and key do not work together. */
export class TlsConfigError extends TsgiError {
  /**
   * @param message - one line.
   * @param cause - the underlying error.
   */
  constructor(message: string, cause?: unknown) {
    super(ServerErrorCode.OPTIONS, message, cause === undefined ? undefined : { cause });
  }
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new TlsConfigError(`cannot read ${flag} ${path}: ${reason}`, error);
  }
}

/**
 * Reads the TLS files the settings name; `null` when HTTPS is not asked for.
 *
 * @throws {@link TlsConfigError} with a one-line message.
 */
export function loadTls(settings: TlsSettings): TlsServerOptions | null {
  if (settings.certfile === null || settings.keyfile === null) return null;
  const options: TlsServerOptions = {
    cert: readPem(settings.certfile, '--certfile'),
    key: readPem(settings.keyfile, '--keyfile'),
    requestCert: settings.clientCert !== 'none',
    rejectUnauthorized: settings.clientCert === 'required',
    ALPNProtocols: ['http/1.1'],
  };
  if (settings.keyPassword !== null) options.passphrase = settings.keyPassword;
  if (settings.caCerts !== null) options.ca = readPem(settings.caCerts, '--ca-certs');
  try {
    createSecureContext(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TlsConfigError(
      `--certfile ${settings.certfile} and --keyfile ${settings.keyfile} do not form a usable TLS setup: ${message}`,
      error,
    );
  }
  return options;
}
