/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.MZI_REQUIRE_BROWSER) {
  throw new Error(
    `Chromium is required for the browser tests but ${CHROMIUM} is missing (apt-get install -y chromium).`,
  );
}
if (!haveBrowser) {
  process.stderr.write(
    `\nBrowser tests not run: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it).\n`,
  );
}

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
let service: TestService;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!haveBrowser) return;
  mkdirSync(SHOTS, { recursive: true });
  service = await startTestService({ WORKER_POLL_INTERVAL_MS: '100' });
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  const address = service.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  if (!haveBrowser) return;
  await browser?.close();
  await service?.cleanup();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function sendTestDelivery(page: Page, email: string) {
  await page.goto(`${base}/admin/setup`);
  // The students' form: the page has one per module (teachers have an Academic email too).
  const form = page.locator('form', { has: page.locator('input[name="module"][value="student"]') });
  await form.getByLabel('Academic email').fill(email);
  await form.getByRole('button', { name: 'Send test delivery' }).click();
  await page.waitForURL(/\/admin\/events\/[0-9a-f-]{36}/);
  return page.url().split('/admin/events/')[1]?.split('?')[0] as string;
}

describe.skipIf(!haveBrowser)('the dashboard in a real browser', () => {
  it('signs in, sends a test delivery, follows it to completed, retries a failure, signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();

    await page.goto(`${base}/admin`);
    await expect.poll(() => page.url()).toContain('/admin/login');
    await page.getByLabel('Admin token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('body')).toContain('That is not the admin token');
    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin`);
    await shot(page, '01-overview');

    const okId = await sendTestDelivery(page, 'browser.ok@student.example.edu');
    await expect
      .poll(async () => (await page.textContent('main')) ?? '', { timeout: 10_000 })
      .toMatch(/Status\s*completed/);
    await shot(page, '02-event-completed');

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await expect.poll(() => page.textContent('tbody')).toContain(okId.slice(-8));
    await shot(page, '03-events');

    const badId = await sendTestDelivery(page, 'not-an-email');
    await expect
      .poll(async () => (await page.textContent('main')) ?? '', { timeout: 10_000 })
      .toMatch(/Status\s*failed/);
    expect(await page.textContent('main')).toContain('is not a valid email address');
    await page.getByRole('button', { name: 'Retry this event' }).click();
    await expect
      .poll(async () => (await page.textContent('main')) ?? '', { timeout: 10_000 })
      .toMatch(/Status\s*failed/);
    await expect
      .poll(async () => page.locator('h2:has-text("Processing attempts") + .panel tbody tr').count(), {
        timeout: 10_000,
      })
      .toBe(2);
    await shot(page, '04-failed-twice');

    await page.goto(`${base}/admin/events?status=failed`);
    expect(await page.textContent('tbody')).toContain(badId.slice(-8));

    const saved = await context.cookies();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/admin\/login/);
    await page.goto(`${base}/admin/events`);
    await expect.poll(() => page.url()).toContain('/admin/login');
    // The session ended on the server: the cookie saved before logging out opens nothing.
    await context.addCookies(saved);
    await page.goto(`${base}/admin/events`);
    await expect.poll(() => page.url()).toContain('/admin/login');
    const api = await page.request.get(`${base}/api/v1/events`);
    expect(api.status()).toBe(401);
    await context.close();
  }, 60_000);

  it('shows new deliveries live on the events page, and reads on a phone with right-to-left names', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin`);
    await page.goto(`${base}/admin/events`);
    const rowsBefore = await page.locator('tbody tr').count();
    const reply = await fetch(`${base}/api/v1/events/zoho/student?operation=insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        id: '8800123',
        Name: 'محمد الخطيب',
        Academic_Email: 'rtl@student.example.edu',
      }).toString(),
    });
    expect(reply.status).toBe(200);
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 10_000 }).toBe(rowsBefore + 1);
    await shot(page, '05-events-phone-live');

    await page.goto(`${base}/admin/students?q=${encodeURIComponent('محمد')}`);
    const name = page.locator('td[dir="auto"] bdi').first();
    await expect.poll(() => name.textContent()).toBe('محمد الخطيب');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390 + 1);
    await shot(page, '06-students-rtl-phone');

    // Keyboard: the skip link is the first focus stop and leads to the content.
    await page.goto(`${base}/admin/events`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Skip to content');
    await context.close();
  }, 60_000);
});
