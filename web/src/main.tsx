import { render } from "preact";
import { App } from "./app/App";
import "./styles/global.css";

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
