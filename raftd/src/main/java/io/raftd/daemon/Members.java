package io.raftd.daemon;

import io.raftd.proto.Member;
import io.raftd.raft.MemberId;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The members' names and addresses by id and by name, from the cluster record. */
final class Members {
  private final List<Member> all;
  private final Map<Long, Member> byId;
  private final Map<String, Member> byName;

  Members(List<Member> members) {
    this.all = List.copyOf(members);
    this.byId = all.stream().collect(Collectors.toMap(Member::getId, Function.identity()));
    this.byName = all.stream().collect(Collectors.toMap(Member::getName, Function.identity()));
  }

  List<Member> all() {
    return all;
  }

  int size() {
    return all.size();
  }

  /** The member with this id, or one named by its id if the directory does not know it. */
  Member byId(long id) {
    Member m = byId.get(id);
    return m != null ? m : Member.newBuilder().setId(id).setName(MemberId.hex(id)).build();
  }

  /**
   * How logs name a member: {@code name(id)} ({@link MemberId#label}).
   */
  String name(long id) {
    Member m = byId.get(id);
    return MemberId.label(m != null ? m.getName() : null, id);
  }

  boolean knows(long id) {
    return byId.containsKey(id);
  }

  Member byName(String name) {
    return byName.get(name);
  }
}
