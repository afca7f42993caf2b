package dev.jocker.engine;

import java.nio.file.Path;
import java.time.Instant;

/**
 * An image: a root file system under the state root.
 *
 * @param id {@code sha256:} + 64 hex characters
 * @param name e.g. {@code busybox}
 * @param created when it was provisioned or imported
 * @param size bytes on disk
 * @param rootfs the directory holding the root file system
 */
public record ImageInfo(String id, String name, Instant created, long size, Path rootfs) {}
