/** Locks keyed by an ID, for the engine's per-container and per-network serialisation. */
package dev.jocker.concurrent;
