/**
 * jockerd: the engine behind a Docker Engine API v1.41 subset on a unix socket (Jetty, Jackson).
 */
package dev.jocker.daemon;
