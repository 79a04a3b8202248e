# raftd's %postun: rpm has no purge, so the data and the raftd user stay on erase (Fedora's rule for users).
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -eq 0 ]; then
  echo "raftd: removed; its data in /var/lib/raftd and the raftd user are kept (rm -rf /var/lib/raftd; userdel raftd)"
fi
exit 0
