# raftd's %pre: the system user and group raftd runs as (the unit's User=), before the files owned by them.
getent group raftd >/dev/null || groupadd -r raftd
getent passwd raftd >/dev/null \
  || useradd -r -g raftd -d /var/lib/raftd -M -s /sbin/nologin -c "raftd daemon" raftd
exit 0
