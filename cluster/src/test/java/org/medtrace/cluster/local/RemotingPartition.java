package org.medtrace.cluster.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network partition of one medtrace node without root rights: a relay in front of every node's
 * Artery TCP remoting. Each node advertises {@link LocalClusterLayout.Node#remotePort()}, where its
 * relay listens, and binds remoting to {@link LocalClusterLayout.Node#remoteBindPort()}, where the
 * relay forwards to. Each node opens its outgoing remoting connections from its own address
 * ({@code outbound-client-hostname}, see {@link LocalCluster}), so a relay knows which node a
 * connection comes from.
 *
 * <p>{@link #isolate(String)} cuts one node off in both directions: every relayed connection from or
 * to that node's address is closed, and new ones are closed as soon as they are accepted, while the
 * node itself keeps running. The other nodes still reach each other. {@link #heal()} lets new
 * connections through again.
 */
final class RemotingPartition implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RemotingPartition.class);

  /** A relayed connection: the client's address and the node it reaches. */
  private record Relayed(String fromHost, String toHost, Socket client, Socket server) {

    boolean crosses(String isolatedHost) {
      return fromHost.equals(isolatedHost) != toHost.equals(isolatedHost);
    }

    void close() {
      closeQuietly(client);
      closeQuietly(server);
    }
  }

  private final List<ServerSocket> listeners = new ArrayList<>();
  private final Set<Relayed> connections = ConcurrentHashMap.newKeySet();
  private volatile String isolatedHost;

  /** Starts a relay for every node whose remoting is relayed. */
  RemotingPartition(List<LocalClusterLayout.Node> nodes) throws IOException {
    for (LocalClusterLayout.Node node : nodes) {
      if (!node.relayedRemoting()) {
        continue;
      }
      ServerSocket listener = new ServerSocket();
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(node.host(), node.remotePort()));
      listeners.add(listener);
      Thread acceptor = new Thread(() -> accept(listener, node), "remoting-relay-" + node.name());
      acceptor.setDaemon(true);
      acceptor.start();
    }
  }

  /** Cuts the node on {@code host} off from the others, both ways, until {@link #heal()}. */
  void isolate(String host) {
    isolatedHost = host;
    int closed = 0;
    for (Relayed connection : connections) {
      if (connection.crosses(host)) {
        connection.close();
        connections.remove(connection);
        closed++;
      }
    }
    log.info("remoting of {} cut off: {} connections closed, new ones refused", host, closed);
  }

  /** Lets new connections through again; a no-op when nothing is cut off (a scenario's finally block). */
  void heal() {
    String healed = isolatedHost;
    isolatedHost = null;
    if (healed != null) {
      log.info("remoting partition of {} healed", healed);
    }
  }

  private void accept(ServerSocket listener, LocalClusterLayout.Node node) {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException closed) {
        return;
      }
      Relayed connection = null;
      try {
        String fromHost = client.getInetAddress().getHostAddress();
        String isolated = isolatedHost;
        if (isolated != null && (fromHost.equals(isolated) != node.host().equals(isolated))) {
          closeQuietly(client);
          continue;
        }
        client.setTcpNoDelay(true);
        Socket server = new Socket();
        server.setTcpNoDelay(true);
        server.connect(new InetSocketAddress(node.host(), node.remoteBindPort()), 5_000);
        connection = new Relayed(fromHost, node.host(), client, server);
        connections.add(connection);
        // Isolated between the check above and the registration: close it now.
        isolated = isolatedHost;
        if (isolated != null && connection.crosses(isolated)) {
          connection.close();
          connections.remove(connection);
          continue;
        }
        pump(connection, client, server, "->");
        pump(connection, server, client, "<-");
      } catch (IOException unreachable) {
        // The node is not listening (stopped or restarting): its peers see a broken connection, as
        // they would without the relay.
        closeQuietly(client);
        if (connection != null) {
          connection.close();
          connections.remove(connection);
        }
      }
    }
  }

  private void pump(Relayed connection, Socket from, Socket to, String direction) {
    Thread pump = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int read; (read = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, read);
        }
      } catch (IOException closed) {
        // One side closed or the partition cut it: close both, as a broken network would.
      } finally {
        connection.close();
        connections.remove(connection);
      }
    }, "remoting-relay " + connection.fromHost() + direction + connection.toHost());
    pump.setDaemon(true);
    pump.start();
  }

  @Override
  public void close() {
    listeners.forEach(RemotingPartition::closeQuietly);
    connections.forEach(Relayed::close);
    connections.clear();
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // Closing is all that is wanted; an already broken socket is fine.
    }
  }
}
