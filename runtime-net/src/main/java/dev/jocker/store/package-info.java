/**
 * The daemon's state in one embedded SQLite database (WAL): networks, endpoints, containers, leases
 * and the journal of multi-step kernel changes, with a schema version and migrations.
 */
package dev.jocker.store;
