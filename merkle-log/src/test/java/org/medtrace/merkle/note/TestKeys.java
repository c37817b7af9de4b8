package org.medtrace.merkle.note;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/** Published Ed25519 key pairs (RFC 8032 section 7.1), so signatures in tests are reproducible. */
public final class TestKeys {

  public static final KeyPair RFC8032_TEST_1 =
      pair(
          "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
          "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  public static final KeyPair RFC8032_TEST_2 =
      pair(
          "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
          "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");

  private TestKeys() {}

  public static KeyPair pair(String seedHex, String publicHex) {
    HexFormat hex = HexFormat.of();
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      return new KeyPair(
          factory.generatePublic(new X509EncodedKeySpec(hex.parseHex("302a300506032b6570032100" + publicHex))),
          factory.generatePrivate(new PKCS8EncodedKeySpec(hex.parseHex("302e020100300506032b657004220420" + seedHex))));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
