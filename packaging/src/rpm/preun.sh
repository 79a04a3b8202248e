# raftd's %preun: on erase ($1 = 0, not an upgrade) stops raftd and drops raftctl's archive, which rpm does
# not own, so that rpm can remove /var/cache/raftd.
if [ "$1" -eq 0 ]; then
  if [ -d /run/systemd/system ]; then
    systemctl stop raftd.service >/dev/null 2>&1 || :
  fi
  rm -f /var/cache/raftd/raftctl-*.jsa
fi
exit 0
