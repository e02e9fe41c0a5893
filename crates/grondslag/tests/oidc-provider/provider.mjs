// A real OpenID provider for Grondslag's single sign-on test: the certified `oidc-provider`
// package on loopback, with one confidential client that must use PKCE.
//
//   node provider.mjs PORT REDIRECT_URI ACCOUNTS_FILE
//
// ACCOUNTS_FILE is JSON, {"login": {claims...}}, read at every sign-in so a test can change
// a person's claims between two sign-ins. The login page is a bare form with one field,
// `login`; consent is given at once for what the client asked.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, redirectUri, accountsFile] = process.argv.slice(2);
const accounts = () => JSON.parse(readFileSync(accountsFile, 'utf8'));

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'grondslag',
    client_secret: 'grondslag-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    entitlements: ['eduperson_entitlement'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['grondslag-test-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

async function body(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (m[2] && ctx.method === 'POST') {
    const login = (await body(ctx.req)).get('login');
    const result = accounts()[login]
      ? { login: { accountId: login } }
      : { error: 'access_denied', error_description: 'unknown account' };
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    return;
  }
  if (details.prompt.name === 'login') {
    ctx.type = 'html';
    ctx.body = `<!doctype html><form method="post" action="/interaction/${details.uid}/login">
      <label>Login <input name="login" id="login"></label><button type="submit">Sign in</button></form>`;
    return;
  }
  // Consent: grant exactly what the client asked for.
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  ctx.status = 303;
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${port}`);
});
