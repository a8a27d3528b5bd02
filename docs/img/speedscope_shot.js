// Open one file in speedscope (the npm package's offline build) in headless Chromium and take a screenshot.
// For the docs only: docs/analysis.md says how to install what it needs and how it was run.
// usage: node speedscope_shot.js INPUT OUT.png [VIEW [HEIGHT]]   VIEW: "Time Order" (default), "Left Heavy"
// Console messages of the page are printed: speedscope says there which importer it used and warns about
// events it could not import. Then speedscope's own "Export" (its model, written as speedscope JSON) is read
// back and summed per profile: slices opened and the span they cover (speedscope turns folded stacks into
// evented profiles too: there the span is the sum of the counts), or samples and their weight
// (sampled profiles, from folded stacks), so what it imported can be compared with what was exported.
const { chromium } = require('playwright-core');
const fs = require('fs');

(async () => {
  const [input, out, view, height] = process.argv.slice(2);
  const userDataDir = fs.mkdtempSync('/tmp/speedscope-shot-');
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: Number(height || 300) },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await ctx.newPage();
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { console.log(`dialog: ${d.message()}`); await d.dismiss(); });
  await page.goto('file://' + require.resolve('speedscope/dist/release/index.html'));
  await page.waitForTimeout(1000);
  await page.setInputFiles('input[type=file]', input);
  await page.waitForTimeout(2500);
  if (view) {
    await page.getByText(view).first().click();
    await page.waitForTimeout(1000);
  }
  console.log('toolbar: ' + (await page.evaluate(() => document.body.innerText)).replace(/\n/g, ' | '));
  await page.screenshot({ path: out });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Export').first().click()]);
  const model = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  let slices = 0, weight = 0;
  for (const prof of model.profiles) {
    if (prof.type === 'evented') {
      const opened = prof.events.filter((e) => e.type === 'O').length;
      const closed = prof.events.filter((e) => e.type === 'C').length;
      slices += opened;
      console.log(`profile "${prof.name}": evented, ${opened} slices opened, ${closed} closed, ` +
        `span ${prof.endValue - prof.startValue} ${prof.unit}`);
    } else {
      const w = prof.weights.reduce((a, b) => a + b, 0);
      weight += w;
      console.log(`profile "${prof.name}": sampled, ${prof.samples.length} stacks, weight ${w}`);
    }
  }
  console.log(`speedscope model: ${model.profiles.length} profiles, ${model.shared.frames.length} frames, ` +
    `${slices} slices, sample weight ${weight}`);
  await ctx.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
})();
