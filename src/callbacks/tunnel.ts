import { resolve } from 'node:path';
import { BadInputError, messageOf, OperationFailedError } from '../errors';
import { printable } from '../text/printable';

/** A public entrance to the local listener. */
export interface Tunnel {
  /** The origin (and any path prefix) Twilio calls, e.g. https://abc.ngrok.app. */
  readonly publicUrl: string;
  /** What the listener says about it, e.g. "an ngrok tunnel". */
  readonly description: string;
  /** True when there is no public entrance: callers reach the local address, which their Host header names. */
  readonly localOnly: boolean;
  close(): Promise<void>;
}

export interface LocalAddress {
  host: string;
  port: number;
}

/** The origin of the local address, e.g. http://127.0.0.1:3000 or http://[::1]:3000. */
export function localOrigin(local: LocalAddress): string {
  return `http://${local.host.includes(':') ? `[${local.host}]` : local.host}:${local.port}`;
}

/** True for `localhost`, `::1` (bracketed or not) and `127.x.x.x`, without a port. */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return name === 'localhost' || name === '::1' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Opens a tunnel to the listener once its port is known. */
export interface TunnelOpener {
  /** Throws, before anything starts, when the tunnel cannot be opened at all (a missing package or token). */
  prepare?(): void;
  open(local: LocalAddress): Promise<Tunnel>;
}

/** No tunnel: the listener is reachable only at its local address. */
export class LocalOnly implements TunnelOpener {
  async open(local: LocalAddress): Promise<Tunnel> {
    return { publicUrl: localOrigin(local), description: 'local only', localOnly: true, close: async () => undefined };
  }
}

/** A tunnel or reverse proxy the user runs, named by its public URL. */
export class UserPublicUrl implements TunnelOpener {
  readonly publicUrl: string;

  constructor(url: string) {
    this.publicUrl = parsePublicUrl(url);
  }

  async open(): Promise<Tunnel> {
    return {
      publicUrl: this.publicUrl,
      description: 'your tunnel or proxy',
      localOnly: false,
      close: async () => undefined,
    };
  }
}

/** Reads --public-url: an http(s) URL without query, kept as origin plus any path prefix. */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadInputError(
      `Invalid --public-url "${printable(text)}": give the https URL your tunnel forwards to this listener, e.g. https://abc.ngrok.app.`,
    );
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new BadInputError(
      `Invalid --public-url "${printable(text)}": give an http(s) URL without query, fragment or credentials, e.g. https://abc.ngrok.app.`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The part of the `@ngrok/ngrok` package this plugin uses. */
export interface NgrokModule {
  forward(config: { addr: string | number; authtoken?: string; proto?: string }): Promise<NgrokListener>;
}

export interface NgrokListener {
  url(): string | null;
  close(): Promise<void>;
}

const NGROK_PACKAGE = '@ngrok/ngrok';

// Where require() starts looking for the package: this plugin's own folder.
const PLUGIN_ROOT = resolve(__dirname, '../..');

/** Loads `@ngrok/ngrok` only when a tunnel is asked for: it is optional and ships a native binary. */
export function requireNgrok(): NgrokModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(NGROK_PACKAGE) as NgrokModule;
}

/** An ngrok tunnel opened in-process through the official package, with NGROK_AUTHTOKEN. */
export class NgrokTunnelOpener implements TunnelOpener {
  constructor(
    private readonly authToken: string | undefined,
    private readonly loadNgrok: () => NgrokModule = requireNgrok,
  ) {}

  private ngrok: NgrokModule | undefined;

  prepare(): void {
    if (!this.authToken) {
      throw new BadInputError(
        '--tunnel ngrok needs an ngrok authtoken: set NGROK_AUTHTOKEN (from https://dashboard.ngrok.com/get-started/your-authtoken), or run a tunnel yourself and pass --public-url.',
      );
    }
    this.ngrok ??= this.load();
  }

  async open(local: LocalAddress): Promise<Tunnel> {
    this.prepare();
    const ngrok = this.ngrok as NgrokModule;
    let listener: NgrokListener;
    try {
      const host = local.host === '0.0.0.0' || local.host === '::' ? '127.0.0.1' : local.host;
      listener = await ngrok.forward({ addr: `${host}:${local.port}`, authtoken: this.authToken, proto: 'http' });
    } catch (error) {
      throw new OperationFailedError(
        `ngrok refused to open a tunnel (${printable(messageOf(error))}): check NGROK_AUTHTOKEN and your ngrok plan, or pass --public-url.`,
      );
    }
    const url = listener.url();
    if (!url) {
      await listener.close().catch(() => undefined);
      throw new OperationFailedError('ngrok opened a tunnel without a public URL: try again, or pass --public-url.');
    }
    return {
      publicUrl: url.replace(/\/+$/, ''),
      description: 'an ngrok tunnel',
      localOnly: false,
      close: () => listener.close(),
    };
  }

  private load(): NgrokModule {
    try {
      return this.loadNgrok();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
        throw new BadInputError(
          `--tunnel ngrok needs the optional package ${NGROK_PACKAGE}, which is not installed: ` +
            `install it with "npm install --no-save ${NGROK_PACKAGE}" in ${PLUGIN_ROOT}, or run a tunnel yourself and pass --public-url.`,
        );
      }
      throw new OperationFailedError(
        `Could not load ${NGROK_PACKAGE} (${printable(messageOf(error))}): reinstall it, or pass --public-url.`,
      );
    }
  }
}
