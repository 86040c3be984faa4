import type { Protection } from './claim-account.js';
import type { ProvisionContext } from './provision-batch.js';

/** The token's user (core_webservice_get_site_info) and MOODLE_PROTECTED_USERS; asked again after a failure. */
export function protectionOf(context: ProvisionContext): Promise<Protection> {
  if (!context.protection) {
    const pending = context.client.getSiteInfo().then((info) => ({
      tokenUserId: info.userid,
      entries: context.settings.protectedUsers,
    }));
    pending.catch(() => {
      if (context.protection === pending) context.protection = undefined;
    });
    context.protection = pending;
  }
  return context.protection;
}
