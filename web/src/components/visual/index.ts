/** The pictures, for the public pages and the staff app; each comes with its text alternative. */
export { AgeBandChart, ageBandLabel } from "./AgeBandChart";
export { OccupancyChart, ShelterHistory, useOccupancyHistory, timeLabel } from "./OccupancyChart";
export { ShelterMap, ShelterTable, LevelSymbol, LevelWord, type MapShelter, type ShelterMapProps } from "./ShelterMap";
export { configuredTiles } from "./geo";
export { LEVEL_STYLES, levelOf, type CrowdingLevel, type LevelOrUnknown } from "./crowding";
export { parseHistory, type OccupancyHistory, type HistoryPoint } from "./charts";
export { visualText, type VisualText } from "./text";
export { ScrollRegion } from "./ScrollRegion";
