import { VERSION } from '../../src/version';

type TillElementClass = CustomElementConstructor & { tillVersion?: string };

/**
 * Registers an element unless the tag is taken. A shop that loads the script tag and the npm
 * build together gets the first copy and a warning, never a crash ("already been defined").
 */
export function define(tag: string, ctor: TillElementClass): void {
  const existing = customElements.get(tag) as TillElementClass | undefined;
  if (existing) {
    if (existing !== ctor) {
      console.warn(
        `[till] <${tag}> already defined (Till ${existing.tillVersion ?? '?'}); skipped ${VERSION}. Load Till once.`,
      );
    }
    return;
  }
  ctor.tillVersion = VERSION;
  customElements.define(tag, ctor);
}
