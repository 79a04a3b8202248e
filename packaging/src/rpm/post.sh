# raftd's %post: raftctl's class-data-sharing archive and daemon-reload; never enables or starts raftd ($1: the
# number of raftd packages installed after this transaction, 1 on a first install).
RAFTCTL_CDS=create /usr/share/raftd/bin/raftctl >/dev/null 2>&1 \
  || echo "raftd: could not make raftctl's class-data-sharing archive in /var/cache/raftd (raftctl works, starting slower)"
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null 2>&1 || :
  if [ "$1" -gt 1 ]; then
    systemctl try-restart raftd.service >/dev/null 2>&1 || :
  fi
fi
if [ "$1" -eq 1 ]; then
  echo "raftd: installed, not started: edit /etc/raftd/raftd.toml, then: systemctl enable --now raftd"
fi
exit 0
