package dev.jocker.engine;

/** How an exec ended: exit code (126 not executable, 127 not found) and its output. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {}
