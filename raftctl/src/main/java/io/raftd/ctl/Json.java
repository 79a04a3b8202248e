package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.proto.KeyValue;
import io.raftd.proto.Member;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.SnapshotFile;

/** The JSON shapes raftctl's commands share; field names are part of raftctl's contract. */
final class Json {
  private Json() {}

  static String id(long id) {
    return String.format("%016x", id);
  }

  static JsonObject member(Member m) {
    JsonObject o = new JsonObject();
    o.addProperty("name", m.getName());
    o.addProperty("id", id(m.getId()));
    o.addProperty("peer_address", m.getPeerAddress());
    o.addProperty("admin_address", m.getAdminAddress());
    return o;
  }

  /** A key and its value; bytes that are not text as {@link Encoding#addTo} says. */
  static JsonObject keyValue(KeyValue kv, Encoding encoding) {
    JsonObject o = new JsonObject();
    encoding.addTo(o, "key", kv.getKey());
    encoding.addTo(o, "value", kv.getValue());
    o.addProperty("version", kv.getVersion());
    o.addProperty("create_index", kv.getCreateIndex());
    o.addProperty("mod_index", kv.getModIndex());
    return o;
  }

  /** The snapshot's file name without .snap, derived here so it matches the file whatever the server calls it. */
  static String snapshotId(SnapshotMetadata s) {
    return SnapshotFile.id(s.getTerm(), s.getIndex());
  }

  static JsonObject snapshot(SnapshotMetadata s) {
    JsonObject o = new JsonObject();
    o.addProperty("id", snapshotId(s));
    o.addProperty("index", s.getIndex());
    o.addProperty("term", s.getTerm());
    o.addProperty("size", s.getSize());
    o.addProperty("checksum", String.format("%08x", s.getChecksum()));
    return o;
  }
}
