package io.raftd.daemon;

import io.raftd.proto.Configuration;
import io.raftd.proto.Member;
import io.raftd.raft.MemberId;
import io.raftd.raft.confchange.ConfChanges;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The members' names and addresses by id and by name: the cluster record's, and those of members changes
 * added (carried in each configuration, see {@code Configuration.members}), learned as each configuration
 * takes effect. Ids once known stay known (a removed member is still named in logs and told it was removed),
 * but {@link #all} and {@link #byName} are the configuration's members: a name a removed member had may be
 * given to its replacement. Read from any thread; {@link #learn} on the RaftLoop.
 */
final class Members {
  /** What one configuration made known: replaced whole, so readers never see half of a change. */
  private record Directory(Map<Long, Member> byId, Set<Long> current) {}

  private volatile Directory directory;

  Members(List<Member> recorded) {
    Map<Long, Member> byId = new LinkedHashMap<>();
    recorded.forEach(m -> byId.put(m.getId(), m));
    this.directory = new Directory(Map.copyOf(byId), new TreeSet<>(byId.keySet()));
  }

  /** A configuration took effect: its members' entries join the directory, and its members are the current ones. */
  synchronized void learn(Configuration c) {
    Map<Long, Member> byId = new HashMap<>(directory.byId());
    c.getMembersList().forEach(m -> byId.put(m.getId(), m));
    TreeSet<Long> current = new TreeSet<>(ConfChanges.members(c));
    if (current.isEmpty()) {
      current.addAll(directory.current());  // a bootstrap configuration not known yet (a joiner before its first entry)
    }
    this.directory = new Directory(Map.copyOf(byId), current);
  }

  /** The current members (every voter of either half and every learner), those whose address is known. */
  List<Member> all() {
    Directory d = directory;
    List<Member> all = new ArrayList<>();
    for (long id : d.current()) {
      Member m = d.byId().get(id);
      if (m != null) {
        all.add(m);
      }
    }
    return all;
  }

  /** Every member ever known, current or removed, by id. */
  Map<Long, Member> everyone() {
    return directory.byId();
  }

  int size() {
    return directory.current().size();
  }

  /** The member with this id, or one named by its id if the directory does not know it. */
  Member byId(long id) {
    Member m = directory.byId().get(id);
    return m != null ? m : Member.newBuilder().setId(id).setName(MemberId.hex(id)).build();
  }

  /**
   * How logs name a member: {@code name(id)} ({@link MemberId#label}).
   */
  String name(long id) {
    Member m = directory.byId().get(id);
    return MemberId.label(m != null ? m.getName() : null, id);
  }

  boolean knows(long id) {
    return directory.byId().containsKey(id);
  }

  /** The current member with this name, or null. */
  Member byName(String name) {
    for (Member m : all()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    return null;
  }
}
