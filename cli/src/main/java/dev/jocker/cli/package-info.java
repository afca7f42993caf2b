/** The jocker CLI. */
package dev.jocker.cli;
