package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.PeerProgress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One member's full status ({@code raftctl status --node NAME}). */
final class NodeDetail {
  private NodeDetail() {}

  static void print(Output out, NodeStatus s) {
    if (out.json) {
      out.json(json(s));
      return;
    }
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("name", s.getSelf().getName());
    fields.put("id", Json.id(s.getSelf().getId()));
    fields.put("cluster", Json.id(s.getClusterId()));
    fields.put("peer address", s.getSelf().getPeerAddress());
    fields.put("admin address", s.getSelf().getAdminAddress());
    fields.put("version", s.getVersion());
    fields.put("uptime", s.getUptimeMs() / 1000 + "s");
    fields.put("role", s.getRole());
    fields.put("term", Long.toString(s.getTerm()));
    fields.put("leader", s.hasLeader() ? s.getLeader().getName() : "none known");
    fields.put("commit", Long.toString(s.getCommit()));
    fields.put("applied", Long.toString(s.getApplied()));
    fields.put("log", s.getFirstIndex() + ".." + s.getLastIndex());
    fields.put("snapshot", "index " + s.getSnapshotIndex() + ", " + Plural.of(s.getSnapshotBytes(), "byte"));
    fields.put("voters", names(s.getVotersList()) + (s.getJoint() ? " (joint)" : ""));
    fields.put("learners", s.getLearnersCount() == 0 ? "none" : names(s.getLearnersList()));
    fields.put("failure tolerance", "can lose " + s.getFailureTolerance() + " of " + s.getVotersCount() + " voters");
    fields.put("wal", Plural.of(s.getWalBytes(), "byte") + " in " + Plural.of(s.getWalSegments(), "segment"));
    fields.put("wal fsyncs", s.getWalFsyncs() + " (" + Plural.of(s.getWalFsyncedEntries(), "entry", "entries") + ")");
    if (s.getStateQuotaBytes() != 0) {  // a state machine that counts its bytes
      fields.put("state", Plural.of(s.getStateBytes(), "byte") + " of a quota of " + s.getStateQuotaBytes()
          + " (kv.quota_bytes)");
    }
    if (s.getVoteBarrierIndex() != 0) {
      fields.put("vote barrier", "neither votes nor campaigns until caught up past index " + s.getVoteBarrierIndex());
    }
    out.fields(fields);
    if (s.getPeersCount() > 0) {
      out.line("");
      List<List<String>> rows = new ArrayList<>();
      for (PeerProgress p : s.getPeersList()) {
        rows.add(List.of(p.getMember().getName(), p.getState(), Long.toString(p.getMatch()), Long.toString(p.getNext()),
            Long.toString(p.getLag()), p.getLastContactMs() + "ms"));
      }
      out.table(List.of("PEER", "STATE", "MATCH", "NEXT", "LAG", "CONTACT"), rows);
    }
  }

  private static String names(List<Member> members) {
    return String.join(", ", members.stream().map(Member::getName).toList());
  }

  static JsonObject json(NodeStatus s) {
    JsonObject o = Json.member(s.getSelf());
    o.addProperty("cluster_id", Json.id(s.getClusterId()));
    o.addProperty("version", s.getVersion());
    o.addProperty("uptime_ms", s.getUptimeMs());
    o.addProperty("role", s.getRole());
    o.addProperty("term", s.getTerm());
    o.addProperty("leader", s.hasLeader() ? s.getLeader().getName() : null);
    o.addProperty("commit", s.getCommit());
    o.addProperty("applied", s.getApplied());
    o.addProperty("first_index", s.getFirstIndex());
    o.addProperty("last_index", s.getLastIndex());
    o.addProperty("snapshot_index", s.getSnapshotIndex());
    o.addProperty("snapshot_bytes", s.getSnapshotBytes());
    o.add("voters", members(s.getVotersList()));
    o.add("learners", members(s.getLearnersList()));
    o.addProperty("joint", s.getJoint());
    o.addProperty("failure_tolerance", s.getFailureTolerance());
    o.addProperty("wal_bytes", s.getWalBytes());
    o.addProperty("wal_segments", s.getWalSegments());
    o.addProperty("wal_fsyncs", s.getWalFsyncs());
    o.addProperty("wal_fsynced_entries", s.getWalFsyncedEntries());
    o.addProperty("vote_barrier_index", s.getVoteBarrierIndex());
    o.addProperty("state_bytes", s.getStateBytes());
    o.addProperty("state_quota_bytes", s.getStateQuotaBytes());
    JsonArray peers = new JsonArray();
    for (PeerProgress p : s.getPeersList()) {
      JsonObject po = new JsonObject();
      po.addProperty("name", p.getMember().getName());
      po.addProperty("state", p.getState());
      po.addProperty("match", p.getMatch());
      po.addProperty("next", p.getNext());
      po.addProperty("lag", p.getLag());
      po.addProperty("last_contact_ms", p.getLastContactMs());
      peers.add(po);
    }
    o.add("peers", peers);
    return o;
  }

  private static JsonArray members(List<Member> members) {
    JsonArray a = new JsonArray();
    members.forEach(m -> a.add(Json.member(m)));
    return a;
  }
}
