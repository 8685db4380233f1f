/**
 * The first screen at the sizes people use (phone, tablet, laptop, projector, and presenter mode on
 * the projector): nothing sticks out past the right edge (the page never scrolls sideways), and Start
 * with the first row of charts lies inside the first screen, above the end of the preset gallery, so
 * nobody scrolls through eleven cards to press Start. Checked on the page as a newcomer first meets it
 * (empty charts) and again with a saved run open (lines, a run name in the status line), and on narrow
 * screens once more with the folded configuration opened. Each size leaves screenshots to look at.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { runFileFixture } from './lab-fixtures.js';

interface Size {
  name: string;
  width: number;
  height: number;
  presenter?: boolean;
}

const SIZES: Size[] = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'laptop', width: 1280, height: 720 },
  { name: 'projector', width: 1920, height: 1080 },
  { name: 'projector-presenter', width: 1920, height: 1080, presenter: true },
];

interface Overflow {
  innerWidth: number;
  scrollWidth: number;
  /** visible elements whose right edge is past the viewport and that no fitting scroll box clips */
  offenders: string[];
}

/** Every element's box against the viewport; one inside a horizontal scroller that itself fits is clipped, not overflowing. */
function measureOverflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const vw = window.innerWidth;
    const fits = (r: DOMRect) => r.right <= vw + 0.5;
    const describe = (el: Element) => {
      const cls =
        typeof el.className === 'string' && el.className
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
      return `${el.tagName.toLowerCase()}${cls} "${text}"`;
    };
    const offenders: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || fits(r) || !el.checkVisibility()) continue;
      // a scroll box clips what sits inside it in the containing-block chain: an absolutely placed
      // element (an .sr-only label) escapes every scroller between it and its offsetParent
      const position = getComputedStyle(el).position;
      const first =
        position === 'fixed'
          ? null
          : position === 'absolute'
            ? (el as HTMLElement).offsetParent
            : el.parentElement;
      let clipped = false;
      for (let a = first; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible' && fits(a.getBoundingClientRect())) {
          clipped = true;
          break;
        }
      }
      if (!clipped) offenders.push(`${describe(el)} right=${Math.round(r.right)}`);
    }
    return { innerWidth: vw, scrollWidth: document.documentElement.scrollWidth, offenders };
  });
}

async function box(page: Page, role: 'button' | 'region', name: string) {
  const b = await page.getByRole(role, { name, exact: true }).boundingBox();
  if (!b) throw new Error(`${role} ${name} is not laid out`);
  return { top: Math.round(b.y), bottom: Math.round(b.y + b.height), left: b.x, right: b.x + b.width };
}

/** Overflow, and Start and the first row of charts against the first screen and the gallery. */
async function checkFirstScreen(page: Page, size: Size, state: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400); // charts re-measure their containers (ResizeObserver) and redraw
  const overflow = await measureOverflow(page);
  await page.screenshot({ path: screenshotPath(`lab-layout-${size.name}-${state}`), fullPage: false });
  expect.soft(overflow.offenders, `${state}: elements past the right edge`).toEqual([]);
  expect.soft(overflow.scrollWidth, `${state}: document width`).toBeLessThanOrEqual(overflow.innerWidth);

  // Start and the first row of charts (reward, and whatever shares its row) entirely on the first screen
  const start = await box(page, 'button', 'Start');
  const reward = await box(page, 'region', 'reward');
  const firstRowBottom = await page.locator('.chart-grid > .chart').evaluateAll((els) => {
    const rects = els.map((el) => el.getBoundingClientRect());
    return Math.round(
      Math.max(...rects.filter((r) => Math.abs(r.top - rects[0].top) < 1).map((r) => r.bottom)),
    );
  });
  // ...and not behind the gallery: at most one row of preset cards above Start (the sideways strip of
  // narrow screens; none where the gallery is a column beside the lab). Before: eleven stacked rows.
  const presetRowsAboveStart = await page.locator('.preset').evaluateAll(
    (cards, startTop) =>
      new Set(
        cards
          .map((c) => c.getBoundingClientRect())
          .filter((r) => r.bottom <= startTop)
          .map((r) => Math.round(r.top)),
      ).size,
    start.top,
  );
  console.log(
    `${size.name} ${state}: scrollWidth ${overflow.scrollWidth} / innerWidth ${overflow.innerWidth}; ` +
      `Start bottom ${start.bottom}, reward chart ${reward.top}-${reward.bottom}, first chart row bottom ` +
      `${firstRowBottom} of ${size.height}; ${presetRowsAboveStart} preset rows above Start`,
  );
  expect.soft(start.bottom, `${state}: Start's bottom`).toBeLessThanOrEqual(size.height);
  expect.soft(reward.bottom, `${state}: reward chart's bottom`).toBeLessThanOrEqual(size.height);
  expect.soft(firstRowBottom, `${state}: first chart row's bottom`).toBeLessThanOrEqual(size.height);
  if (!size.presenter)
    expect.soft(presetRowsAboveStart, `${state}: preset rows above Start`).toBeLessThanOrEqual(1);
  // wide enough to read: 280 px, or the content width of a phone
  expect
    .soft(reward.right - reward.left, `${state}: reward chart width`)
    .toBeGreaterThanOrEqual(Math.min(280, size.width - 48));
}

describe('the first screen at phone, tablet, laptop and projector sizes', () => {
  const fx = useLab('/');

  it.each(SIZES)(
    '$name ($width×$height): no sideways overflow; Start and the first charts on the first screen',
    async (size) => {
      const page = await fx.browser.newPage({ viewport: { width: size.width, height: size.height } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(fx.site.url);
      await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
      const presenter = page.getByRole('button', { name: 'Presenter mode' });
      if (size.presenter) await presenter.click();
      await checkFirstScreen(page, size, 'fresh');
      if (size.presenter) await presenter.click(); // presenter mode leaves out the run list and its import

      await page.getByLabel('Import a run file (.tabrl.json)').setInputFiles({
        name: 'fixture.tabrl.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(runFileFixture())),
      });
      await expect
        .poll(() => page.getByRole('region', { name: 'reward', exact: true }).getAttribute('data-points'))
        .toBe('40');
      if (size.presenter) await presenter.click();
      await checkFirstScreen(page, size, 'with-run');
      if (size.name === 'phone')
        await page.screenshot({ path: screenshotPath('lab-layout-phone-full'), fullPage: true });

      // Cut-short descriptions (narrow screens): More shows the whole paragraph.
      const more = page
        .locator('[data-preset="arithmetic"]')
        .getByRole('button', { name: /^(More|Less) about/ });
      if (await more.isVisible()) {
        const description = page.locator('[data-preset="arithmetic"] p');
        expect(await description.evaluate((p) => p.scrollHeight > p.clientHeight + 1)).toBe(true);
        await more.click();
        expect(await more.getAttribute('aria-expanded')).toBe('true');
        expect(await more.textContent()).toMatch(/^Less/);
        expect(await description.evaluate((p) => p.scrollHeight > p.clientHeight + 1)).toBe(false);
      }

      // Folded setup (narrow screens): opened, the config and model panels fit the width too.
      const fold = page.locator('.setup-details > summary');
      if (await fold.isVisible()) {
        await fold.click();
        const config = page.getByRole('region', { name: 'Configuration', exact: true });
        await config.waitFor();
        const opened = await measureOverflow(page);
        await config.screenshot({ path: screenshotPath(`lab-layout-${size.name}-config`) });
        expect.soft(opened.offenders, 'config opened: elements past the right edge').toEqual([]);
        expect
          .soft(opened.scrollWidth, 'config opened: document width')
          .toBeLessThanOrEqual(opened.innerWidth);
      }
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});
