// Open a Chrome Trace Event JSON file in Chromium's own trace viewer (DevTools' Performance panel, served by
// the browser itself at devtools://devtools/bundled/trace_app.html) in headless Chromium and take a screenshot
// with the VM's process group and both vCPU tracks expanded and one exit slice selected.
// For the docs only: docs/analysis.md says how to install what it needs and how it was run.
// usage: node devtools_trace_shot.js TRACE.json OUT.png
// The positions clicked are those of Chromium 156's layout at 1400x680 with the sidebar hidden.
const { chromium } = require('playwright-core');
const fs = require('fs');

(async () => {
  const [input, out] = process.argv.slice(2);
  const userDataDir = fs.mkdtempSync('/tmp/devtools-shot-');
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 680 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (!/GL Driver|timeEnd|Autofocus/.test(m.text())) console.log(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto('devtools://devtools/bundled/trace_app.html');
  await page.waitForTimeout(4000);
  // The standalone page has no inspected target: a "Debugging connection was closed" dialog covers it
  // (Escape closes it).
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  await page.getByText('Performance', { exact: true }).first().click({ force: true });
  await page.waitForTimeout(2000);
  await page.locator('input[type=file]').first().setInputFiles(input);
  await page.waitForTimeout(8000);
  const track = async (y) => { await page.mouse.click(20, y); await page.waitForTimeout(1000); };
  // Hide the sidebar (the first click only closes the keyboard-shortcuts popup shown on a first load).
  for (let i = 0; i < 3 && (await page.getByText('Annotate a trace').isVisible()); i++) {
    await page.mouse.click(16, 39);
    await page.waitForTimeout(800);
  }
  await page.waitForTimeout(800);
  await track(129); // the process group
  await track(146); // vcpu 1
  await track(184); // vcpu 0
  await page.mouse.click(1000, 163); // the wide slice on vcpu 1
  await page.waitForTimeout(1500);
  await page.mouse.move(700, 670);
  await page.waitForTimeout(500);
  console.log('page: ' + (await page.evaluate(() => document.body.innerText)).replace(/\n/g, ' | '));
  await page.screenshot({ path: out });
  await ctx.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
})();
