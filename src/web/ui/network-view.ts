/**
 * The Network view: the switch and its segments, each guest's port with its MAC and address,
 * live packets/s, bytes/s and drops, a one-click move to another segment, and the selected
 * port's latest packets as tcpdump prints them. "Download .pcap" saves the switch's capture
 * (standard libpcap: Wireshark and tcpdump -r open it).
 *
 * Redrawn at most once per animation frame and only while visible: a flood of packets must not
 * cost the page more than a visible table's worth of DOM.
 */
import type { PageNetwork, PacketRecord } from '../network.js';
import { formatBytes, h } from './dom.js';
import { guestColour } from './host-view.js';

/** Rows of the packet list shown (the newest). */
const LIST_ROWS = 60;

export class NetworkView {
  readonly element: HTMLElement;
  private readonly segmentsBox = h('div', { class: 'net-segments', testid: 'net-segments' });
  private readonly listTitle = h('h3', { class: 'net-list-title', testid: 'net-list-title' });
  private readonly list = h('tbody', { testid: 'net-packets' });
  private readonly empty = h('p', { class: 'net-empty', testid: 'net-empty' }, 'No guest is on the network yet. Choose a segment under "Network" in the launcher before launching (Linux gets the address 10.0.0.N from its card\'s MAC), or open ?launch=linux,linux&net=lan.');
  private selected: number | undefined;
  private pending = false;
  visible = false;

  constructor(
    private readonly network: PageNetwork,
    private readonly reportError: (message: string) => void,
    /** shows a guest's tab */
    private readonly showGuest: (id: number) => void,
  ) {
    const download = h('button', { class: 'small', testid: 'net-download-pcap', title: 'Every frame the switch forwarded (the latest 20 000), as sent, in the libpcap format' }, 'Download .pcap');
    download.addEventListener('click', () => void this.download());
    this.element = h(
      'section',
      { class: 'network-view', testid: 'network-view' },
      h(
        'header',
        { class: 'host-intro' },
        h('h2', {}, 'The network between guests'),
        h('p', {}, 'Each guest\'s virtio-net card is a port of a learning Ethernet switch run by the hypervisor. Ports on one segment reach each other; a segment is isolated from the others like a VLAN, broadcasts included. Rates are over the last second. Drops: frames the switch threw away because the port\'s queue was full (a flooder pays for its own), and frames the guest\'s own side dropped because it was not taking them fast enough.'),
        download,
      ),
      this.empty,
      this.segmentsBox,
      this.listTitle,
      h(
        'table',
        { class: 'net-packet-table' },
        h('thead', {}, h('tr', {}, ...['time', 'dir', 'source', 'destination', 'proto', 'len', 'summary'].map((t) => h('th', {}, t)))),
        this.list,
      ),
    );
    network.on('changed', () => this.renderSoon());
  }

  renderSoon(): void {
    if (!this.visible || this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render(): void {
    const ports = this.network.ports();
    this.empty.hidden = ports.length > 0;
    if (this.selected === undefined || !ports.some((p) => p.guest === this.selected)) this.selected = ports[0]?.guest;
    const segments = this.network.segments();
    const boxes: HTMLElement[] = [];
    for (const seg of segments) {
      const members = ports.filter((p) => p.segment === seg);
      if (members.length === 0) continue;
      const rows = members.map((p) => {
        const moves = segments.filter((s) => s !== seg).map((s) => {
          const b = h('button', { class: 'small', testid: `net-move-${p.guest}-${s}`, title: `Move ${p.name}'s port to segment ${s}` }, `→ ${s}`);
          b.addEventListener('click', (e) => {
            e.stopPropagation();
            try {
              this.network.setSegment(p.guest, s);
            } catch (err) {
              this.reportError((err as Error).message);
            }
          });
          return b;
        });
        const name = h('a', { href: '#', title: 'Show its console' }, p.name);
        name.addEventListener('click', (e) => {
          e.preventDefault();
          e.stopPropagation();
          this.showGuest(p.guest);
        });
        const row = h(
          'tr',
          { class: p.guest === this.selected ? 'selected' : undefined, testid: `net-port-${p.guest}`, 'data-segment': p.segment, title: 'Show this port\'s packets below' },
          h('td', {}, h('span', { class: 'swatch', style: `background:${guestColour(p.guest)}` }), name, ` #${p.guest}`),
          h('td', { class: 'mono' }, p.mac),
          h('td', { class: 'mono' }, p.ip),
          h('td', { class: 'num', testid: `net-pps-${p.guest}` }, p.packetsPerSecond.toFixed(0)),
          h('td', { class: 'num' }, `${formatBytes(Math.round(p.bytesPerSecond))}/s`),
          h('td', { class: 'num', testid: `net-frames-${p.guest}` }, `${p.sentFrames} / ${p.receivedFrames}`),
          h('td', { class: 'num', testid: `net-drops-${p.guest}`, title: 'in the switch (its queue for this port was full) / in the guest\'s worker (the guest was not taking frames fast enough)' }, `${p.drops} / ${p.guestDrops}`),
          h('td', {}, ...moves),
        );
        row.addEventListener('click', () => {
          this.selected = p.guest;
          this.render();
        });
        return row;
      });
      boxes.push(
        h(
          'div',
          { class: 'net-segment', testid: `net-segment-${seg}` },
          h('h3', {}, `segment ${seg}`, h('span', { class: 'muted' }, ` · ${members.length} port${members.length === 1 ? '' : 's'}`)),
          h(
            'table',
            { class: 'net-port-table' },
            h('thead', {}, h('tr', {}, ...['guest', 'MAC', 'IPv4 (Linux)', 'pkt/s', 'bytes/s', 'sent / received', 'drops (switch / guest)', 'move to'].map((t) => h('th', {}, t)))),
            h('tbody', {}, ...rows),
          ),
        ),
      );
    }
    this.segmentsBox.replaceChildren(...boxes);
    const sel = ports.find((p) => p.guest === this.selected);
    this.listTitle.textContent = sel ? `Packets of ${sel.name} #${sel.guest} (latest ${LIST_ROWS}, newest last)` : '';
    const packets = sel ? this.network.packets(sel.guest).slice(-LIST_ROWS) : [];
    this.list.replaceChildren(...packets.map(packetRow));
  }

  private async download(): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await this.network.pcap();
    } catch (e) {
      this.reportError(`cannot save the capture: ${(e as Error).message}`);
      return;
    }
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' }));
    const a = h('a', { href: url, download: 'minivisor-network.pcap', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

function packetRow(p: PacketRecord): HTMLElement {
  const t = new Date(p.time);
  const time = `${t.toTimeString().slice(0, 8)}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  return h(
    'tr',
    { class: `net-packet ${p.direction}` },
    h('td', { class: 'mono' }, time),
    h('td', {}, p.direction === 'sent' ? 'out' : 'in'),
    h('td', { class: 'mono' }, p.src, p.srcIp ? h('span', { class: 'muted' }, ` ${p.srcIp}`) : null),
    h('td', { class: 'mono' }, p.dst, p.dstIp ? h('span', { class: 'muted' }, ` ${p.dstIp}`) : null),
    h('td', {}, p.protocol),
    h('td', { class: 'num' }, String(p.length)),
    h('td', { class: 'mono' }, p.summary),
  );
}
