import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

export interface ConnectionPoolOptions {
  /** The proxy for a URL; by default from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, as the host CLI reads them. */
  proxyFor?: (url: string) => string | undefined;
  /** Extra TLS settings for connections to servers, such as a test CA. */
  tls?: ConnectionOptions;
}

/** A proxy tunnel that applies the pool's TLS settings to the server connection inside the tunnel. */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly tls: ConnectionOptions,
  ) {
    super(proxy, { keepAlive: true });
  }

  override connect(request: http.ClientRequest, options: Parameters<HttpsProxyAgent<string>['connect']>[1]) {
    return super.connect(request, { ...options, ...this.tls });
  }
}

/**
 * Keep-alive agents for every request of a command, honouring the same proxy variables as
 * the host CLI. The host's own proxy agent opens a new tunnel and TLS session per request,
 * which bulk downloads and deletes cannot afford; these reuse connections, proxied or not.
 */
export class ConnectionPool {
  private readonly direct: { http: http.Agent; https: https.Agent };
  private readonly tunnels = new Map<string, TunnelAgent>();
  private readonly proxyFor: (url: string) => string | undefined;
  private readonly tls: ConnectionOptions;

  constructor(options: ConnectionPoolOptions = {}) {
    this.proxyFor = options.proxyFor ?? ((url) => getProxyForUrl(url) || undefined);
    this.tls = options.tls ?? {};
    this.direct = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true, ...this.tls }),
    };
  }

  /** The agent for a request to `url`. */
  agentFor(url: string): http.Agent {
    const secure = url.startsWith('https:');
    const proxy = this.proxyFor(url);
    if (!proxy) return secure ? this.direct.https : this.direct.http;
    const key = `${secure ? 'https' : 'http'} ${proxy}`;
    let tunnel = this.tunnels.get(key);
    if (!tunnel) {
      tunnel = new TunnelAgent(proxy, this.tls);
      // Stated up front, or agent-base works the scheme out from a stack trace on every request.
      tunnel.protocol = secure ? 'https:' : 'http:';
      tunnel.defaultPort = secure ? 443 : 80;
      this.tunnels.set(key, tunnel);
    }
    return tunnel;
  }

  destroy(): void {
    this.direct.http.destroy();
    this.direct.https.destroy();
    for (const tunnel of this.tunnels.values()) tunnel.destroy();
  }
}
