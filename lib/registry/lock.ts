/**
 * The registry lock: promotions and pruning change `models/latest` and
 * delete runs, so they run one at a time, across processes. The lock is an
 * flock(2) on `models/.registry.lock`, which the kernel releases when its
 * holder exits or is killed, so a crashed promotion never leaves a stale
 * lock behind.
 * @module
 */
import { type RegistryOptions, registryRoot } from "./layout.ts";

/** The lock file inside the registry root. */
export const LOCK_FILE = ".registry.lock";

/** How long to wait for the lock by default, in ms. */
export const LOCK_WAIT_MS = 60_000;

/** Options for {@link withRegistryLock}. */
export interface LockOptions extends RegistryOptions {
  /** Give up after this many ms (default {@link LOCK_WAIT_MS}). */
  waitMs?: number;
}

/**
 * Runs `fn` while holding the registry's exclusive lock; waits for another
 * holder to finish first. Throws when the lock stays taken for `waitMs`.
 */
export async function withRegistryLock<T>(
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const root = registryRoot(options);
  await Deno.mkdir(root, { recursive: true });
  using file = await Deno.open(`${root}/${LOCK_FILE}`, { read: true, write: true, create: true });
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  let pause = 5;
  while (!await file.tryLock(true)) {
    if (Date.now() >= deadline) {
      throw new Error(
        `Cannot lock the registry: another promotion has held ${root}/${LOCK_FILE} for over ${
          Math.round((options.waitMs ?? LOCK_WAIT_MS) / 1000)
        } s`,
      );
    }
    // a promotion holds the lock for milliseconds: poll, backing off to 100 ms
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(100, pause * 2);
  }
  try {
    return await fn();
  } finally {
    await file.unlock();
  }
}
