# shellcheck shell=sh disable=SC2154
# Sourced by bin/raftd and bin/raftctl (which set $prog): finds the Java runtime to run, $JAVA_HOME first,
# then java on PATH, and sets $java and $java_home; if there is none, or it is older than 17, says so in one
# line and exits 2 (under systemd, RestartPreventExitStatus=2: restarting cannot install Java).
# (SC2154: $prog is the sourcing script's.)
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
  if [ ! -x "$java" ]; then
    echo "$prog: JAVA_HOME=$JAVA_HOME has no bin/java: point it at a Java 17 or newer runtime, or unset it" >&2
    exit 2
  fi
elif ! java=$(command -v java); then
  echo "$prog: no Java runtime found (no JAVA_HOME, no java on PATH): install Java 17 or newer," \
    "e.g. apt-get install default-jre-headless, or set JAVA_HOME" >&2
  exit 2
fi
java_home=$(dirname "$(dirname "$(readlink -f "$java")")")
# The runtime's release file names its version without starting a JVM (which would cost ~50 ms a command).
java_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$java_home/release" 2>/dev/null)
if [ -z "$java_version" ]; then
  java_version=$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p')
fi
java_major=${java_version%%[!0-9]*}  # 17.0.15 -> 17, 21 -> 21, 1.8.0_392 -> 1
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "$prog: $java is Java ${java_version:-of unknown version}: Java 17 or newer is needed" \
    "(install it, e.g. apt-get install default-jre-headless, or set JAVA_HOME)" >&2
  exit 2
fi
