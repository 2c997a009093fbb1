import type { StoreConnection } from "./store-connection.js";
import type { ConfigAnnouncement, ConfigAnnouncements } from "../../config/config-announcement.js";
import { parseConfigAnnouncement } from "../../config/config-announcement.js";

/**
 * Configuration announcements through the shared store: the last one kept
 * under one key (a sidecar that starts compares itself with it) and each one
 * published, so that every sidecar re-reads its sources at once. Neither
 * carries a secret: a configuration travels as digests.
 */
export class FleetConfigChannel implements ConfigAnnouncements {
  private readonly key: string;
  private readonly channel: string;

  constructor(
    private readonly redis: StoreConnection,
    private readonly subscriber: StoreConnection,
    prefix: string,
  ) {
    // Outside every provider's hash tag: one key, so Redis Cluster places it alone.
    this.key = `${prefix}config`;
    this.channel = `${prefix}config-announced`;
  }

  async announce(a: ConfigAnnouncement): Promise<void> {
    const text = JSON.stringify(a);
    await this.redis.set(this.key, text);
    await this.redis.publish(this.channel, text);
  }

  async latest(): Promise<ConfigAnnouncement | undefined> {
    const text = await this.redis.get(this.key);
    return text === null ? undefined : parseConfigAnnouncement(text);
  }

  async listen(listener: (a: ConfigAnnouncement) => void): Promise<() => void> {
    const onMessage = (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const a = parseConfigAnnouncement(text);
      if (a !== undefined) listener(a);
    };
    this.subscriber.on("message", onMessage);
    await this.subscriber.subscribe(this.channel);
    return () => this.subscriber.off("message", onMessage);
  }
}
