package dev.jocker.bridge;

/** One idempotent step of bridge setup; applying it twice changes nothing the second time. */
interface SetupStep {
  /** Short name for logs and errors. */
  String name();

  /** Brings the kernel to this step's state; returns what it changed, or null if nothing. */
  String apply(BridgeContext ctx);
}
