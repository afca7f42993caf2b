/**
 * Containers without the network: names and IDs, images as root file systems, the per-container
 * files, and processes started through util-linux {@code nsenter}/{@code unshare} trampolines.
 */
package dev.jocker.container;
