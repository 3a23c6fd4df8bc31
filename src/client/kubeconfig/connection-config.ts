/**
 * Supplies credentials for requests to one cluster as one user. Implementations cache what they
 * fetch; they never log or put credentials into error messages.
 */
export interface Authenticator {
  /**
   * Value for the `Authorization` header (`Bearer …` or `Basic …`), or undefined for none.
   * Cached; token files are re-read and exec plugins re-run when their credential is stale.
   * Concurrent callers share one file read or plugin run. Rejects with the signal's reason when
   * `signal` aborts, and with a ConfigError when credentials cannot be obtained.
   */
  authorization(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Client certificate supplied at runtime by an exec plugin (`clientCertificateData` /
   * `clientKeyData`), or undefined. The same Buffer objects are returned until the plugin yields
   * new credentials, so a dispatcher can be rebuilt when the returned objects change identity.
   */
  clientCertificate?(signal?: AbortSignal): Promise<{ cert: Buffer; key: Buffer } | undefined>;
  /**
   * Called after a 401. Drops cached credentials and resolves true when fresh credentials may
   * succeed (worth one retry), false when retrying cannot help (static token, basic auth, a token
   * file whose content has not changed).
   *
   * `rejected` (optional, an addition to the original contract) is the Authorization value the
   * 401 came back for: when the authenticator has already moved on to different credentials
   * (another request saw the 401 first), it resolves true without dropping them again, so a burst
   * of 401s causes one refresh, not one per request.
   */
  invalidate(rejected?: string): Promise<boolean>;
}

/** Impersonation headers (`Impersonate-User`, `-Uid`, `-Group`, `-Extra-<key>`) to send. */
export interface Impersonation {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Everything the RestClient needs to talk to one cluster as one user. */
export interface ConnectionConfig {
  /** Base URL, e.g. `https://127.0.0.1:6443`, possibly with a path prefix; never a trailing `/`. */
  server: string;
  /** Context namespace, in-cluster namespace (POD_NAMESPACE or the service-account file), or `default`. */
  namespace: string;
  tls: {
    /** PEM bundle from certificate-authority(-data); undefined means the system roots. */
    ca?: Buffer;
    /** Static client certificate chain and key (from a file or inline data), already checked to match. */
    cert?: Buffer;
    key?: Buffer;
    /** `tls-server-name`: verify the server certificate against (and send SNI for) this name. */
    serverName?: string;
    /** Only true when the kubeconfig sets `insecure-skip-tls-verify: true` (never with a CA). */
    insecureSkipVerify: boolean;
  };
  /** `proxy-url` (http, https or socks5; may contain credentials, so never log it unredacted). */
  proxyUrl?: string;
  /** `disable-compression`: do not ask for gzip responses (addition to the original contract). */
  disableCompression?: boolean;
  auth: Authenticator;
  impersonate?: Impersonation;
  /**
   * Stable, non-secret identity of cluster+user for sharing one pooled dispatcher: an HMAC (with a
   * per-process random key) of the server, TLS material, proxy, impersonation and the user's auth
   * configuration. Equal within one process for equal configurations; not comparable across
   * processes; reveals nothing about the credentials.
   */
  identity: string;
}
