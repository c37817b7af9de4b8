package org.medtrace.forked;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The smallest server for {@link ForkedServerTest}: {@code ListeningServer <address> <port>
 * [ignore-sigterm]} prints the system property {@code marker}, then accepts and closes connections
 * until it is stopped. With {@code ignore-sigterm} a shutdown hook that never ends keeps SIGTERM
 * from stopping it, as a server stuck while draining would.
 */
public final class ListeningServer {

  private ListeningServer() {}

  public static void main(String[] args) throws IOException {
    System.out.println("marker=" + System.getProperty("marker"));
    if (args.length > 2 && args[2].equals("ignore-sigterm")) {
      Runtime.getRuntime().addShutdownHook(new Thread(ListeningServer::hangForever));
    }
    try (ServerSocket server =
        new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getByName(args[0]))) {
      System.out.println("listening on " + server.getLocalSocketAddress());
      while (true) {
        try (Socket connection = server.accept()) {
          // Accepting is all a readiness check needs.
        }
      }
    }
  }

  private static void hangForever() {
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException ignored) {
        // Keep hanging: only SIGKILL ends this process.
      }
    }
  }
}
