/**
 * Docker 20.10's embedded DNS and the name-related files of a container, as parts the network
 * controller plugs into a sandbox: the name table ({@link dev.jocker.dns.NameTable}), the resolver
 * that serves every container namespace from a bounded number of threads ({@link
 * dev.jocker.dns.EmbeddedDns}), the nat rules that lead 127.0.0.11:53 to it ({@link
 * dev.jocker.dns.DnsRules}), and the builders of resolv.conf ({@link dev.jocker.dns.ResolvConf}),
 * /etc/hosts ({@link dev.jocker.dns.EtcHosts}) and the variables of {@code --link} ({@link
 * dev.jocker.dns.LinkEnv}). Nothing here knows containers beyond their IDs and names.
 */
package dev.jocker.dns;
