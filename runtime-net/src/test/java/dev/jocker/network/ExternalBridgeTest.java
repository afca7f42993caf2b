package dev.jocker.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Route;
import dev.jocker.store.EndpointRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an external network and its endpoints keep in the store, and the routes read back. */
class ExternalBridgeTest {
  @Test
  void optionsSurviveTheStoreWithAndWithoutARange() {
    ExternalBridge.Options leased =
        new ExternalBridge.Options(
            true,
            false,
            true,
            new ExternalNetwork.Range(Ipv4.parse("10.88.0.50"), Ipv4.parse("10.88.0.99")));
    assertEquals(
        Map.of(
            "gateway-on-bridge", "true",
            "masquerade", "false",
            "bridge-created", "true",
            "range", "10.88.0.50-10.88.0.99"),
        leased.toMap());
    assertEquals(leased, ExternalBridge.Options.of(leased.toMap()));
    ExternalBridge.Options delegated = new ExternalBridge.Options(false, true, false, null);
    assertEquals(delegated, ExternalBridge.Options.of(delegated.toMap()));
    assertNull(ExternalBridge.Options.of(delegated.toMap()).range());
  }

  @Test
  void routesAreKeptAsIpRouteShowsThem() {
    EndpointRecord e =
        new EndpointRecord(
            "e",
            "n",
            "c",
            "net1",
            "veth1234567",
            "02:42:0a:58:00:02",
            "10.88.0.2",
            false,
            Map.of(ExternalBridge.ROUTES, "0.0.0.0/0 via 10.88.0.1,10.9.0.0/16"));
    List<ExternalBridge.RouteText> routes = ExternalBridge.routes(e);
    assertEquals(
        List.of(
            new ExternalBridge.RouteText(Subnet.parse("0.0.0.0/0"), Ipv4.parse("10.88.0.1")),
            new ExternalBridge.RouteText(Subnet.parse("10.9.0.0/16"), null)),
        routes);
    Route viaGateway = routes.get(0).route(7);
    assertNull(viaGateway.destination());
    assertEquals("10.88.0.1", viaGateway.gateway().getHostAddress());
    assertEquals(0, viaGateway.outputIndex());
    Route onLink = routes.get(1).route(7);
    assertEquals(7, onLink.outputIndex());
    assertEquals(253, onLink.scope());
    assertEquals("0.0.0.0/0 via 10.88.0.1", ExternalBridge.RouteText.of(viaGateway));
    assertEquals("10.9.0.0/16", ExternalBridge.RouteText.of(onLink));
    assertEquals(List.of(), ExternalBridge.routes(withoutRoutes(e)));
  }

  private static EndpointRecord withoutRoutes(EndpointRecord e) {
    return new EndpointRecord(
        e.id(),
        e.networkId(),
        e.containerId(),
        e.ifname(),
        e.hostVeth(),
        e.mac(),
        e.address(),
        false,
        Map.of());
  }
}
