// Runs a real Neo4j Community server embedded in this JVM, Bolt on loopback only.
// Started by neo4j-local/server.ts; not meant to be run by hand (see README.md).
//
// Arguments: <home dir> <bolt port> <pagecache bytes>
// The initial password comes from the NEO4J_LOCAL_PASSWORD environment variable so it
// never shows in a process listing.
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public final class Launcher {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    long pageCache = Long.parseLong(args[2]);
    String password = System.getenv("NEO4J_LOCAL_PASSWORD");
    if (password == null || password.length() < 8) {
      System.err.println("NEO4J_LOCAL_PASSWORD must be set (8 characters or more)");
      System.exit(2);
    }

    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(HttpConnector.enabled, false)
        .setConfig(HttpsConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, true)
        .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
        .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      dbms.shutdown();
      System.out.println("FAULTLINE_NEO4J_STOPPED");
      System.out.flush();
      stopped.countDown();
    }, "neo4j-local-shutdown"));

    setInitialPassword(dbms, password);

    // When the parent process goes away (even by kill -9) our stdin closes: stop cleanly.
    Thread stdinWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) { /* ignore input */ }
      } catch (Exception ignored) {
        // stdin unreadable is the same as closed
      }
      System.exit(0);
    }, "neo4j-local-stdin");
    stdinWatch.setDaemon(true);
    stdinWatch.start();

    System.out.println("FAULTLINE_NEO4J_READY bolt://127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }

  private static void setInitialPassword(DatabaseManagementService dbms, String password) {
    var system = dbms.database("system");
    boolean changeRequired = system.executeTransactionally(
        "SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j' RETURN passwordChangeRequired",
        Map.of(),
        result -> result.hasNext() && Boolean.TRUE.equals(result.next().get("passwordChangeRequired")));
    if (changeRequired) {
      system.executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    }
  }
}
