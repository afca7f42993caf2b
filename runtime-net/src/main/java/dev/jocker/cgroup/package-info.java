/**
 * Control groups, v1 (one hierarchy per controller, as these machines mount them, with the empty
 * cgroup2 of the hybrid layout) and v2 (one unified tree): a cgroup per container under a parent of
 * jocker's, its limits written and read back, its usage, freezing, and removal. Files only: the
 * kernel's interface to cgroups is the file system.
 */
package dev.jocker.cgroup;
