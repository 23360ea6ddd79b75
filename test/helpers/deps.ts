/** Dependencies tests give the components they build by hand: the system clock, an error reporter. */
import type { Logger } from "pino";
import { systemClock, type Clock } from "../../src/clock/clock.js";
import { ErrorReporter } from "../../src/errors/reporter.js";
import { silentLogger } from "../../src/log.js";
import { createRuntime, type Runtime } from "../../src/runtime.js";

export { systemClock };

export function testErrors(log: Logger = silentLogger(), clock: Clock = systemClock): ErrorReporter {
  return new ErrorReporter(log, clock);
}

export function testRuntime(log: Logger = silentLogger(), clock: Clock = systemClock): Runtime {
  return createRuntime(clock, log);
}

/** What every output and input built in a test needs besides its own options. */
export function componentDeps(log: Logger = silentLogger()): { clock: Clock; errors: ErrorReporter } {
  return { clock: systemClock, errors: testErrors(log) };
}
