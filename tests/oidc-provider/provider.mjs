// SIM-S for the msgin5g OIDC interop tests: oidc-provider on loopback over HTTPS.
//
//   node provider.mjs <cert.pem> <key.pem> [--exit-with-stdin]
//
// Prints one line `issuer <url>` once it listens, then serves until killed. One public
// client (the 5GMSGS client: PKCE S256 required, private-use redirect URI), resource
// indicators for the MSGin5G servers with JWT access tokens (RFC 9068) signed ES256, the
// development login (any login and password), introspection of opaque tokens for server I.
// With --exit-with-stdin it exits when its stdin ends (the test process that started it is
// gone).
import Provider, { errors } from 'oidc-provider';
import { createServer } from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [certFile, keyFile, flag] = process.argv.slice(2);
if (!certFile || !keyFile) {
  console.error('usage: node provider.mjs <cert.pem> <key.pem>');
  process.exit(2);
}

// The MSGin5G servers tokens may be issued for (RFC 8707 resource indicators).
const RESOURCES = ['https://msgin5g-server-s.example', 'https://msgin5g-server-m.example'];
// A server that validates by introspection: its tokens are opaque (oidc-provider introspects
// no structured JWT token).
const INTROSPECTED = 'https://msgin5g-server-i.example';

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) });

if (flag === '--exit-with-stdin') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

server.listen(0, '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: '5gmsgs-client-1',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['example.msgin5g.simc:/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      // The MSGin5G server I, as introspection client (RFC 7662 section 2.1).
      {
        client_id: INTROSPECTED,
        client_secret: 'credential-of-server-i',
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [],
        grant_types: [],
        response_types: [],
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'msgin5g'],
    jwks: { keys: [{ ...jwk, kid: 'sim-s-es256', alg: 'ES256', use: 'sig' }] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          if (resource === INTROSPECTED) {
            return { scope: 'msgin5g', audience: resource, accessTokenTTL: 300, accessTokenFormat: 'opaque' };
          }
          if (!RESOURCES.includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'msgin5g',
            audience: resource,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  server.on('request', provider.callback());
  console.log(`issuer ${issuer}`);
});
