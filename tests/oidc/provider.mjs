// A real OpenID provider (npm oidc-provider, OpenID Certified) on loopback, for the tests.
// Its development interactions give a login page a browser can drive: any login name signs
// in as that account, whose claims come from ACCOUNTS_FILE, read at every request, so a test
// changes someone's roles at the provider by rewriting that file. Signing out there (RP-initiated
// logout, its end_session_endpoint) asks the person to confirm and returns to POST_LOGOUT_REDIRECT_URI.
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_FILE POST_LOGOUT_REDIRECT_URI
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, accountsFile, postLogoutRedirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function account(id) {
  const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
  const known = accounts[id] || {};
  return {
    accountId: id,
    async claims() {
      return { sub: id, preferred_username: id, ...known };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutRedirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'roles', 'department'],
    email: ['email'],
  },
  pkce: { required: () => true },
  findAccount: (ctx, id) => account(id),
  // The trust has consented for its staff: no consent page after the login page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email');
    grant.addOIDCClaims(['name', 'preferred_username', 'roles', 'department', 'email']);
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
});
provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
