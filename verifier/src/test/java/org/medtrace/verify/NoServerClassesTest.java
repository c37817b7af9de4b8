package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verifier runs where there is no cluster: nothing of Pekko, the Cassandra driver or the
 * Cassandra server may be on its classpath (the test classpath is a superset of the runtime one).
 */
class NoServerClassesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "org.apache.pekko.actor.ActorSystem",
        "org.apache.pekko.actor.typed.ActorSystem",
        "org.apache.pekko.persistence.typed.PersistenceId",
        "org.apache.pekko.serialization.SerializerWithStringManifest",
        "com.datastax.oss.driver.api.core.CqlSession",
        "org.apache.cassandra.service.CassandraDaemon",
        "scala.Option"
      })
  void serverClassIsNotLoadable(String className) {
    assertThrows(ClassNotFoundException.class, () -> Class.forName(className));
  }
}
