// Finds a Chromium for vitest browser mode and Playwright: CHROME_PATH, Playwright's own cache,
// then Debian's /usr/bin/chromium. Playwright cannot download browsers on a closed network.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function fromPlaywrightCache() {
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return undefined;
  for (const dir of readdirSync(root).filter((d) => d.startsWith('chromium-')).sort().reverse()) {
    for (const rel of ['chrome-linux64/chrome', 'chrome-linux/chrome']) {
      const p = join(root, dir, rel);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

export function findChromium() {
  const env = process.env.CHROME_PATH;
  if (env && existsSync(env)) return env;
  return fromPlaywrightCache() ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

export const HOW_TO_GET_CHROMIUM =
  'No Chromium found. Install one of:\n' +
  '  sudo apt-get update && sudo apt-get install -y chromium   (Debian/Ubuntu; gives /usr/bin/chromium)\n' +
  '  npx playwright install chromium                            (where the network allows downloads)\n' +
  'or point CHROME_PATH at an existing Chrome/Chromium binary.';

export function requireChromium() {
  const path = findChromium();
  if (!path) {
    console.error(HOW_TO_GET_CHROMIUM);
    process.exit(2);
  }
  return path;
}
