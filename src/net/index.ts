/** The network between guests: cards (nic.ts), the switch (switch.ts), channels across instances, pcap captures. */
export { GuestNic, type NicStats } from './nic.js';
export { VirtualSwitch, Port, GuestPortEndpoint, type SwitchPort, type PortOptions, type AttachOptions, type PortStats, type TapEvent, type TapCallback, type SwitchOptions } from './switch.js';
export { ChannelPort, NicLink, type MessagePortLike } from './channel.js';
export { PcapWriter, parsePcap, LINKTYPE_ETHERNET, type PcapRecord } from './pcap.js';
export { parseMac, formatMac, type MacAddress } from './mac.js';
export { guestIpv4, linuxIpArgument, withLinuxIp, defaultMac, LINUX_BUILTIN_CMDLINE, GUEST_NETMASK } from './linux-ip.js';
