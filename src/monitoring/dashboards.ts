import type { MonitoringOptions } from "./options.js";
export const channelDashboard = (_o: MonitoringOptions) => ({});
export const fleetDashboard = (_o: MonitoringOptions) => ({});
