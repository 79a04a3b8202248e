package io.raftd.logentry;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/**
 * Keys, values and payloads spelt for people, so that two different byte strings never read the same: in
 * double quotes, printable UTF-8 as it is, {@code \"} and {@code \\} for a quote and a backslash, and every
 * other byte (control characters, bytes that are not UTF-8) as {@code \xNN}. Nothing is replaced or dropped.
 */
public final class ByteText {
  private ByteText() {}

  /** The bytes in double quotes, escaped as the class says. */
  public static String quoted(ByteString bytes) {
    byte[] b = bytes.toByteArray();
    StringBuilder out = new StringBuilder(b.length + 2).append('"');
    for (int i = 0; i < b.length; ) {
      Utf8 c = Utf8.at(b, i);
      if (c == null || !printable(c.codePoint)) {
        int length = c == null ? 1 : c.length;
        for (int k = 0; k < length; k++) {
          out.append(String.format("\\x%02x", b[i + k] & 0xff));
        }
        i += length;
        continue;
      }
      if (c.codePoint == '"' || c.codePoint == '\\') {
        out.append('\\');
      }
      out.appendCodePoint(c.codePoint);
      i += c.length;
    }
    return out.append('"').toString();
  }

  /** The bytes as lowercase hex digits, two a byte. */
  public static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  /**
   * The first {@code max} bytes at most, one to three fewer where the cut would split a UTF-8 character (so
   * text cut short is still text).
   */
  public static ByteString head(ByteString bytes, int max) {
    if (bytes.size() <= max) {
      return bytes;
    }
    int cut = max;
    while (cut > 0 && cut > max - 3 && continuation(bytes.byteAt(cut))) {
      cut--;
    }
    // No character starts within three bytes before the cut: these are not UTF-8, and any cut will do.
    return bytes.substring(0, continuation(bytes.byteAt(cut)) ? max : cut);
  }

  private static boolean continuation(byte b) {
    return (b & 0xc0) == 0x80;
  }

  /** A well-formed UTF-8 sequence: its code point and its length in bytes. */
  private record Utf8(int codePoint, int length) {
    /**
     * The sequence at {@code i}, or null if none starts there: overlong forms, surrogates and code points past
     * U+10FFFF are not well-formed.
     */
    static Utf8 at(byte[] b, int i) {
      int lead = b[i] & 0xff;
      int length;
      int min;
      int codePoint;
      if (lead < 0x80) {
        return new Utf8(lead, 1);
      } else if (lead >= 0xc2 && lead < 0xe0) {
        length = 2;
        min = 0x80;
        codePoint = lead & 0x1f;
      } else if (lead >= 0xe0 && lead < 0xf0) {
        length = 3;
        min = 0x800;
        codePoint = lead & 0x0f;
      } else if (lead >= 0xf0 && lead < 0xf5) {
        length = 4;
        min = 0x10000;
        codePoint = lead & 0x07;
      } else {
        return null;
      }
      if (i + length > b.length) {
        return null;
      }
      for (int k = 1; k < length; k++) {
        if (!continuation(b[i + k])) {
          return null;
        }
        codePoint = codePoint << 6 | (b[i + k] & 0x3f);
      }
      boolean surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
      return codePoint < min || surrogate || codePoint > 0x10ffff ? null : new Utf8(codePoint, length);
    }
  }

  /** Shown as it is: not a control, format or separator character, nor unassigned or private. */
  private static boolean printable(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.UNASSIGNED, Character.PRIVATE_USE, Character.SURROGATE -> false;
      case Character.SPACE_SEPARATOR -> codePoint == ' ';
      default -> true;
    };
  }
}
