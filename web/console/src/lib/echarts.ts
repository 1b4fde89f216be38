// ECharts with only the charts and components the console uses, so the
// bundle carries no more than it needs.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, MapChart, ScatterChart, PieChart, CustomChart } from 'echarts/charts'
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  VisualMapComponent,
  GeoComponent,
  MarkLineComponent,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import geoRaw from '../../../../configs/refdata/ordos_150600_full.geojson?raw'

echarts.use([
  BarChart,
  LineChart,
  MapChart,
  ScatterChart,
  PieChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  VisualMapComponent,
  GeoComponent,
  MarkLineComponent,
  CanvasRenderer,
])

/** The map name under which Ordos' 9 districts are registered. */
export const ORDOS = 'ordos'

let registered = false

/** Registers the district boundaries (configs/refdata, GCJ-02) once. */
export function registerOrdos() {
  if (registered) return
  echarts.registerMap(ORDOS, JSON.parse(geoRaw))
  registered = true
}

export { echarts }
