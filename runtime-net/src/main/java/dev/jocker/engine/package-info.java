/** The engine: the one entry point that ties networks, containers and images together. */
package dev.jocker.engine;
