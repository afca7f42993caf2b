# shellcheck shell=sh
# Sourced by bin/jocker and bin/jockerd, with $home the distribution: which JDK runs jocker, and
# the start-up cache of a program of it. POSIX sh, builtins only on the path of a command.
#
# The JDK: $JOCKER_JAVA_HOME if set; else the newest of $JAVA_HOME, the `java` on PATH and
# /usr/lib/jvm/*, by the release file each JDK carries. The first run finds it and records it in
# lib/jdk; `jocker install`, a new build and a distribution moved elsewhere find it again. So a JDK 25 installed
# beside Debian's 17 (Temurin's, on these machines) runs jocker, and 17 alone does as before.
#
# The cache (`start_cache BASE JAR`): on JDK 25 and later an AOT cache (JEP 483: classes loaded and
# linked ahead of time; JEP 514: one flag records it; JEP 515: method profiles), before it an
# AppCDS archive (classes parsed and verified ahead of time). Each JDK build has its own file,
# BASE-VERSION.aot or .jsa, so switching JDKs never meets a cache of another. A cache older than
# JAR is removed: the JVM would not use it. Sets $cache (the file), $use_cache (the options
# that map it, if it exists) and record_cache (a function printing the options that record it to
# its argument); no cache at all (empty $cache) in a distribution moved where lib/ is read-only. The
# JVM's own messages about a cache it cannot use are off: it then runs without one, and a command's
# output stays the command's.

# Sets $v to the runtime version in the release file of the JDK at $1, or to nothing.
jdk_version() {
  v=
  [ -x "$1/bin/java" ] && [ -r "$1/release" ] || return 0
  while IFS='=' read -r key value; do
    case $key in
      JAVA_RUNTIME_VERSION)
        v=${value#\"}
        v=${v%\"}
        return 0
        ;;
      JAVA_VERSION)
        v=${value#\"}
        v=${v%\"}
        ;;
    esac
  done <"$1/release"
}

# Keeps the JDK at $1 if it is newer (by feature release) than the one kept so far.
consider_jdk() {
  jdk_version "$1"
  if [ -n "$v" ] && { [ -z "$jdk" ] || [ "${v%%[.+-]*}" -gt "${jdk_version%%[.+-]*}" ]; }; then
    jdk=$1 jdk_version=$v
  fi
}

# lib/jdk: the distribution's directory when it was written, then "VERSION HOME" of the JDK found.
recorded_home=
recorded_version=
recorded_jdk=
if [ -r "$home/lib/jdk" ]; then
  { read -r recorded_home && read -r recorded_version recorded_jdk; } <"$home/lib/jdk" || true
fi
# A cache holds the paths of the jars it was recorded from. JDK 25 still maps it once the
# distribution is copied or mounted elsewhere, but then gives its classes no code source (so
# nothing could find a file beside its jar): caches recorded in another directory are never used,
# and are recorded again here where lib/ is writable.
moved=
if [ "$recorded_home" != "$home" ]; then
  moved=1
fi

jdk=
jdk_version=
if [ -n "$moved" ] || [ ! -x "$recorded_jdk/bin/java" ]; then
  [ -z "${JAVA_HOME:-}" ] || consider_jdk "$JAVA_HOME"
  if on_path=$(command -v java) && on_path=$(readlink -f "$on_path"); then
    consider_jdk "${on_path%/bin/java}"
  fi
  for dir in /usr/lib/jvm/*; do
    consider_jdk "$dir"
  done
  if [ -z "$jdk" ] && [ -z "${JOCKER_JAVA_HOME:-}" ]; then
    echo "jocker: no JDK found (JOCKER_JAVA_HOME, JAVA_HOME, java on PATH, /usr/lib/jvm): jocker needs Java 17 or later" >&2
    exit 125
  fi
  if [ -n "$jdk" ] &&
    { printf '%s\n%s %s\n' "$home" "$jdk_version" "$jdk" >"$home/lib/jdk"; } 2>/dev/null; then
    if [ -n "$moved" ]; then
      rm -f "$home"/lib/*.aot "$home"/lib/*.jsa
      moved=
    fi
  fi
else
  jdk=$recorded_jdk
  jdk_version=$recorded_version
fi
if [ -n "${JOCKER_JAVA_HOME:-}" ]; then
  jdk=
  consider_jdk "$JOCKER_JAVA_HOME"
  if [ -z "$jdk" ]; then
    echo "jocker: JOCKER_JAVA_HOME=$JOCKER_JAVA_HOME is not a JDK (no bin/java and release file)" >&2
    exit 125
  fi
fi
java=$jdk/bin/java
jdk_feature=${jdk_version%%[.+-]*}

start_cache() {
  use_cache=
  cache=
  [ -z "$moved" ] || return 0
  if [ "$jdk_feature" -ge 25 ]; then
    cache="$1-$jdk_version.aot"
    quiet="-Xlog:aot*=off -Xlog:cds*=off"
  else
    cache="$1-$jdk_version.jsa"
    quiet="-Xlog:cds*=off"
  fi
  # -nt is not POSIX, but dash and bash, the /bin/sh of every Linux this runs on, both have it.
  # shellcheck disable=SC3013
  if [ -f "$cache" ] && [ "$2" -nt "$cache" ]; then
    rm -f "$cache" 2>/dev/null || true
  fi
  if [ -f "$cache" ]; then
    if [ "$jdk_feature" -ge 25 ]; then
      use_cache="-XX:AOTCache=$cache $quiet"
    else
      use_cache="-XX:SharedArchiveFile=$cache -Xshare:auto $quiet"
    fi
  fi
}

# The options that record the cache to $1 when the JVM exits.
record_cache() {
  if [ "$jdk_feature" -ge 25 ]; then
    echo "-XX:AOTCacheOutput=$1 $quiet"
  else
    echo "-XX:ArchiveClassesAtExit=$1 $quiet"
  fi
}
