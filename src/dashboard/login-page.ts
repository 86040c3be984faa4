import { html } from './html.js';
import { type Flash, layout } from './layout.js';

export function loginPage(options: { next: string; flash?: Flash | undefined }): string {
  return layout({
    title: 'Sign in',
    section: 'login',
    flash: options.flash,
    body: html`<div class="panel narrow">
<p>Enter the admin token. It is the <code>ADMIN_TOKEN</code> setting, or the token mzi generated on its first start
(show it again with <code>npx mzi admin-token</code>).</p>
<form method="post" action="/admin/login">
  <input type="hidden" name="next" value="${options.next}">
  <label for="token">Admin token
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus size="40">
  </label>
  <p><button type="submit">Sign in</button></p>
</form>
</div>`,
  });
}
