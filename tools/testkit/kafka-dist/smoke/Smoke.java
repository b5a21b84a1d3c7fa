// Smoke check of the testkit cluster with Kafka's own Java client (kafka-clients from the libs dir).
// Run through `tsx src/cli.ts smoke` (java single-file source launcher, no build step):
//   java -cp '<libs>/*' kafka-dist/smoke/Smoke.java <caPath> <withConsumerProtocol:true|false>
// Checks every listener (PLAINTEXT, SASL_PLAINTEXT, SSL, SASL_SSL) with every SASL mechanism and user,
// produce + consume on an RF=3 topic (classic and, when available, KIP-848 consumer groups),
// ACL enforcement, and a SASL connection that outlives connections.max.reauth.ms.
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.acl.*;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.*;
import org.apache.kafka.common.serialization.*;

public class Smoke {
  static String ca;
  static int failures = 0;

  static Properties props(String listener, String mechanism, String user) {
    Properties p = new Properties();
    int port = switch (listener) {
      case "PLAINTEXT" -> 9092;
      case "SASL_PLAINTEXT" -> 9094;
      case "SSL" -> 9095;
      case "SASL_SSL" -> 9096;
      default -> throw new IllegalArgumentException(listener);
    };
    p.put("bootstrap.servers", "127.0.0.1:1" + port + ",127.0.0.1:2" + port + ",127.0.0.1:3" + port);
    p.put("security.protocol", listener);
    if (listener.contains("SSL")) {
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", ca);
    }
    if (listener.startsWith("SASL")) {
      p.put("sasl.mechanism", mechanism);
      String module = mechanism.equals("PLAIN")
          ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + user + "-secret\";");
    }
    p.put("request.timeout.ms", "10000");
    p.put("default.api.timeout.ms", "20000");
    return p;
  }

  static void check(String name, ThrowingRunnable r) {
    long t0 = System.nanoTime();
    try {
      r.run();
      System.out.printf("ok   %-60s %5d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable e) {
      failures++;
      System.out.printf("FAIL %-60s %s%n", name, e);
    }
  }

  interface ThrowingRunnable { void run() throws Exception; }

  static void describe(Properties p) throws Exception {
    try (Admin a = Admin.create(p)) {
      DescribeClusterResult r = a.describeCluster();
      int n = r.nodes().get().size();
      if (n != 3) throw new IllegalStateException("expected 3 nodes, got " + n);
      for (var node : r.nodes().get()) {
        if (!("rack-" + node.id()).equals(node.rack())) throw new IllegalStateException("bad rack " + node);
      }
    }
  }

  static void produceConsume(Properties base, String topic, String groupProtocol) throws Exception {
    Properties pp = new Properties();
    pp.putAll(base);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    pp.put("acks", "all");
    try (Producer<String, String> prod = new KafkaProducer<>(pp)) {
      for (int i = 0; i < 10; i++) prod.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
    }
    Properties cp = new Properties();
    cp.putAll(base);
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    cp.put("group.id", "smoke-" + groupProtocol + "-" + UUID.randomUUID());
    cp.put("auto.offset.reset", "earliest");
    cp.put("group.protocol", groupProtocol);
    try (Consumer<String, String> c = new KafkaConsumer<>(cp)) {
      c.subscribe(List.of(topic));
      int got = 0;
      long deadline = System.currentTimeMillis() + 30_000;
      while (got < 10 && System.currentTimeMillis() < deadline) got += c.poll(Duration.ofMillis(500)).count();
      if (got < 10) throw new IllegalStateException("consumed " + got + "/10");
      c.commitSync();
    }
  }

  public static void main(String[] args) throws Exception {
    ca = args[0];
    boolean consumerProtocol = args.length < 2 || Boolean.parseBoolean(args[1]);
    String topic = "testkit-smoke-" + System.currentTimeMillis();

    check("PLAINTEXT describeCluster (3 nodes, racks)", () -> describe(props("PLAINTEXT", null, null)));
    check("SSL describeCluster", () -> describe(props("SSL", null, null)));
    for (String l : List.of("SASL_PLAINTEXT", "SASL_SSL")) {
      for (String m : List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")) {
        for (String u : List.of("alice", "admin")) {
          check(l + " " + m + " " + u, () -> describe(props(l, m, u)));
        }
      }
    }
    check("SASL_PLAINTEXT PLAIN wrong password is rejected", () -> {
      Properties p = props("SASL_PLAINTEXT", "PLAIN", "alice");
      p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"nope\";");
      try {
        describe(p);
        throw new IllegalStateException("authenticated with a wrong password");
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.SaslAuthenticationException)) throw e;
      }
    });
    check("create topic RF=3 (PLAINTEXT)", () -> {
      try (Admin a = Admin.create(props("PLAINTEXT", null, null))) {
        a.createTopics(List.of(new NewTopic(topic, 3, (short) 3))).all().get();
      }
    });
    check("produce/consume classic group (SASL_SSL SCRAM-SHA-512 alice)",
        () -> produceConsume(props("SASL_SSL", "SCRAM-SHA-512", "alice"), topic, "classic"));
    if (consumerProtocol) {
      check("produce/consume KIP-848 consumer group (PLAINTEXT)",
          () -> produceConsume(props("PLAINTEXT", null, null), topic, "consumer"));
    }
    String denied = topic + "-denied";
    check("ACL: DENY alice DESCRIBE is enforced, admin (super user) still allowed", () -> {
      try (Admin a = Admin.create(props("PLAINTEXT", null, null))) {
        a.createTopics(List.of(new NewTopic(denied, 1, (short) 3))).all().get();
        AclBinding b = new AclBinding(new ResourcePattern(ResourceType.TOPIC, denied, PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.DESCRIBE, AclPermissionType.DENY));
        a.createAcls(List.of(b)).all().get();
        try {
          Thread.sleep(1000); // ACLs propagate through the metadata log
          try (Admin alice = Admin.create(props("SASL_PLAINTEXT", "PLAIN", "alice"))) {
            try {
              alice.describeTopics(List.of(denied)).allTopicNames().get();
              throw new IllegalStateException("alice could describe a denied topic");
            } catch (ExecutionException e) {
              if (!(e.getCause() instanceof TopicAuthorizationException)) throw e;
            }
          }
          try (Admin admin = Admin.create(props("SASL_PLAINTEXT", "PLAIN", "admin"))) {
            admin.describeTopics(List.of(denied)).allTopicNames().get();
          }
        } finally {
          a.deleteAcls(List.of(b.toFilter())).all().get();
          a.deleteTopics(List.of(denied, topic)).all().get();
        }
      }
    });
    check("SASL_PLAINTEXT connection outlives connections.max.reauth.ms (Java client re-authenticates)", () -> {
      try (Admin a = Admin.create(props("SASL_PLAINTEXT", "SCRAM-SHA-256", "alice"))) {
        a.describeCluster().nodes().get();
        Thread.sleep(12_000);
        a.describeCluster().nodes().get();
      }
    });
    System.out.println(failures == 0 ? "smoke: all checks passed" : "smoke: " + failures + " check(s) FAILED");
    System.exit(failures == 0 ? 0 : 1);
  }
}
