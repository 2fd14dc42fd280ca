"""Hand-written content of the demo consortium: organizations, course topics, programs, roles.

Two cities modelled on the project's background: Liuzhou (automotive, construction machinery,
steel, smart grid, rail) and Dongguan (electronics manufacturing, 5G equipment). Names of
enterprises are invented. ``seed/build.py`` turns this into the files in ``seed/data/``.
"""

from __future__ import annotations

ENTERPRISES = [
    # name, city, industry
    ("Longcheng Automotive Co.", "Liuzhou", "automotive"),
    ("Liujiang Heavy Machinery Group", "Liuzhou", "construction machinery"),
    ("Guibei Steel Works", "Liuzhou", "steel"),
    ("Liuzhou Smart Grid Services", "Liuzhou", "smart grid"),
    ("Liuzhou Rail Transit Equipment", "Liuzhou", "rail transit"),
    ("Hexin New Energy Vehicles", "Liuzhou", "new energy vehicles"),
    ("Precision Gear & Drive Co.", "Liuzhou", "machinery"),
    ("Pearl River Electronics Co.", "Dongguan", "electronics"),
    ("Dongguan Communications Equipment", "Dongguan", "5G equipment"),
    ("Songshan Smart Devices", "Dongguan", "consumer electronics"),
    ("Humen Semiconductor Packaging", "Dongguan", "semiconductors"),
    ("Bay Area Robotics Integration", "Dongguan", "industrial robotics"),
]

SCHOOLS = [
    ("Liuzhou Vocational & Technical College", "Liuzhou", "higher vocational college"),
    ("Liuzhou Railway Vocational Technical College", "Liuzhou", "higher vocational college"),
    ("Liuzhou Technician Institute", "Liuzhou", "technician institute"),
    ("Dongguan Polytechnic", "Dongguan", "higher vocational college"),
    ("Dongguan Electronic Technical School", "Dongguan", "secondary vocational school"),
    ("Songshan Lake Vocational College", "Dongguan", "higher vocational college"),
]

# Course topics: key -> (title, description, skills, outcomes, hours)
TOPICS: dict[str, tuple[str, str, list[str], list[str], int]] = {
    "plc": (
        "PLC Programming and Applications",
        "Programming Siemens S7-1200/1500 and Mitsubishi FX programmable logic controllers for "
        "production lines: ladder logic, function blocks, timers, counters and fault diagnosis.",
        ["PLC programming", "ladder logic", "Siemens TIA Portal", "PLC fault diagnosis"],
        [
            "Write and debug ladder logic for a conveyor line",
            "Configure PLC I/O modules and PROFINET communication",
        ],
        96,
    ),
    "hmi": (
        "HMI and SCADA Configuration",
        "Designing operator screens and supervisory control for automated equipment with WinCC "
        "and configuration software, alarms, trends and recipe management.",
        ["HMI design", "SCADA configuration", "WinCC"],
        ["Build an operator panel for a packaging machine", "Set up alarm and trend logging"],
        48,
    ),
    "electrical_control": (
        "Electrical Control of Machine Tools",
        "Relay-contactor control circuits, motor starting and braking, reading electrical "
        "schematics and wiring control cabinets to standard.",
        ["electrical schematics reading", "control cabinet wiring", "motor control circuits"],
        ["Wire a star-delta starter", "Troubleshoot a machine tool control circuit"],
        72,
    ),
    "cnc_programming": (
        "CNC Machining Programming",
        "G-code and macro programming for FANUC and Siemens controlled lathes and machining "
        "centres, tool path planning, cutting parameters and first-article inspection.",
        ["CNC programming", "G-code", "FANUC CNC operation", "machining process planning"],
        ["Program a turned shaft with threads", "Set tool offsets on a machining centre"],
        120,
    ),
    "cad_cam": (
        "CAD/CAM with Mastercam and UG NX",
        "3D part modelling and computer-aided manufacturing: generating and simulating tool "
        "paths for multi-axis machining.",
        ["CAD modelling", "CAM tool path programming", "UG NX", "Mastercam"],
        ["Model a gearbox housing in 3D", "Post-process a 4-axis tool path"],
        80,
    ),
    "mech_drawing": (
        "Mechanical Drawing and Tolerances",
        "Engineering drawings to national standards, geometric dimensioning and tolerancing, "
        "fits and surface finish, AutoCAD drafting.",
        ["engineering drawing", "GD&T", "AutoCAD drafting"],
        ["Read assembly drawings", "Specify fits and tolerances for a shaft"],
        64,
    ),
    "metrology": (
        "Precision Measurement and Quality Inspection",
        "Using calipers, micrometers, CMM coordinate measuring machines and gauges; SPC and "
        "inspection reports for machined parts.",
        ["CMM measurement", "dimensional inspection", "statistical process control"],
        ["Measure a part on a CMM and write the report", "Plot control charts"],
        56,
    ),
    "hydraulics": (
        "Hydraulic and Pneumatic Systems",
        "Hydraulic pumps, valves and cylinders of construction machinery, pneumatic circuits, "
        "reading hydraulic diagrams and troubleshooting leaks and pressure faults.",
        ["hydraulic system maintenance", "pneumatic circuits", "hydraulic troubleshooting"],
        ["Assemble a hydraulic circuit on a trainer", "Diagnose pressure loss in an excavator"],
        64,
    ),
    "welding": (
        "Welding Technology",
        "Manual metal arc, MIG/MAG and TIG welding of steel structures, weld joint preparation, "
        "welding procedure specifications and weld defect inspection.",
        ["MIG welding", "TIG welding", "weld inspection", "welding procedure specification"],
        ["Weld a butt joint to certification standard", "Identify weld defects"],
        96,
    ),
    "robot_welding": (
        "Robotic Welding Workstations",
        "Programming and maintaining arc welding robots, seam tracking, fixtures and welding "
        "cell safety for body-in-white and structural parts.",
        ["welding robot programming", "robotic welding cell maintenance", "seam tracking"],
        ["Teach a weld path on a six-axis robot", "Tune welding parameters in the cell"],
        64,
    ),
    "industrial_robot": (
        "Industrial Robot Operation and Programming",
        "Operating and teach-pendant programming of six-axis industrial robots (ABB, FANUC, "
        "KUKA), coordinate systems, I/O signals and palletising applications.",
        ["industrial robot programming", "teach pendant operation", "robot coordinate systems"],
        ["Program a palletising task", "Calibrate tool and work object frames"],
        80,
    ),
    "robot_integration": (
        "Robot System Integration and Offline Programming",
        "Integrating robots with PLCs, vision and conveyors; offline programming and simulation "
        "with RobotStudio; commissioning robotic work cells.",
        [
            "robot system integration",
            "offline robot programming",
            "RobotStudio simulation",
            "machine vision integration",
        ],
        ["Simulate a pick-and-place cell offline", "Commission a robot cell with a PLC"],
        72,
    ),
    "sensors": (
        "Sensors and Detection Technology",
        "Photoelectric, inductive, temperature, pressure and encoder sensors: selection, wiring, "
        "signal conditioning and calibration in automated equipment.",
        ["sensor selection and wiring", "signal conditioning", "sensor calibration"],
        ["Wire and test proximity sensors", "Calibrate a pressure transmitter"],
        48,
    ),
    "motor_drives": (
        "Motor Drives and Servo Control",
        "Frequency inverters, servo drives and stepper motors: parameter setting, motion "
        "control, positioning and drive fault codes.",
        ["servo drive tuning", "frequency inverter configuration", "motion control"],
        ["Tune a servo axis", "Configure an inverter for a fan load"],
        64,
    ),
    "auto_engine": (
        "Automotive Engine Construction and Repair",
        "Gasoline and diesel engine construction, disassembly and assembly, timing systems, "
        "lubrication and cooling, engine performance testing.",
        ["engine assembly", "engine fault diagnosis", "timing system adjustment"],
        ["Overhaul a four-cylinder engine", "Measure compression and diagnose misfires"],
        96,
    ),
    "auto_electrical": (
        "Automotive Electrical Systems and Diagnostics",
        "Vehicle electrical circuits, CAN bus networks, ECU diagnostics with scan tools and "
        "oscilloscopes, lighting, charging and starting systems.",
        ["automotive electrical diagnosis", "CAN bus diagnostics", "vehicle ECU scan tools"],
        ["Trace a fault in a lighting circuit", "Read and interpret diagnostic trouble codes"],
        80,
    ),
    "auto_assembly": (
        "Automotive Assembly Processes and Quality",
        "Final assembly line processes, torque control, lean production, takt time and vehicle "
        "quality audit.",
        ["vehicle assembly process", "torque control", "lean production", "vehicle quality audit"],
        ["Balance an assembly station to takt", "Run a vehicle quality audit"],
        56,
    ),
    "nev_battery": (
        "New Energy Vehicle Power Batteries",
        "Lithium-ion battery packs for electric vehicles: cell chemistry, battery management "
        "systems (BMS), high-voltage safety, pack assembly and testing.",
        ["EV battery pack maintenance", "battery management system", "high-voltage safety"],
        ["Test and balance a battery module", "Work safely on a high-voltage system"],
        72,
    ),
    "nev_motor": (
        "Electric Drive and Motor Control for NEVs",
        "Permanent magnet synchronous motors, inverters and motor controllers of electric "
        "vehicles; diagnosis of electric drive faults.",
        ["EV motor controller diagnosis", "electric drive system", "PMSM motor testing"],
        ["Measure motor insulation resistance", "Diagnose an inverter fault code"],
        64,
    ),
    "steel_process": (
        "Iron and Steel Metallurgy Processes",
        "Blast furnace ironmaking, converter steelmaking, continuous casting and hot rolling: "
        "process control, quality of steel products and safety.",
        ["steelmaking process control", "continuous casting operation", "hot rolling"],
        ["Follow a converter heat from charge to tap", "Read a rolling schedule"],
        80,
    ),
    "metallography": (
        "Metallographic Analysis and Heat Treatment",
        "Microstructure of steels, hardness testing, quenching and tempering, heat treatment "
        "furnaces and material testing reports.",
        ["heat treatment", "metallographic analysis", "hardness testing"],
        ["Prepare and examine a metallographic sample", "Choose a tempering schedule"],
        56,
    ),
    "equipment_maintenance": (
        "Mechanical Equipment Maintenance",
        "Preventive and predictive maintenance of rotating equipment: bearings, gearboxes, "
        "alignment, lubrication, vibration analysis and TPM.",
        ["preventive maintenance", "vibration analysis", "shaft alignment", "TPM"],
        ["Align a pump and motor with a laser tool", "Read a vibration spectrum"],
        64,
    ),
    "power_supply": (
        "Power Supply and Distribution Technology",
        "Substations, switchgear, transformers and distribution networks; relay protection "
        "basics and operating tickets for electrical switching.",
        ["substation operation", "power distribution", "relay protection"],
        ["Write a switching operation ticket", "Inspect a 10 kV switchgear"],
        80,
    ),
    "smart_meter": (
        "Smart Grid Metering and Power Information Collection",
        "Smart electricity meters, power information collection systems, meter reading "
        "terminals and data analysis for line loss.",
        ["smart meter installation", "power information collection", "line loss analysis"],
        ["Install and commission a smart meter", "Analyse line loss data of a district"],
        48,
    ),
    "distribution_automation": (
        "Distribution Automation and Live-Line Work",
        "Feeder automation terminals (FTU/DTU), fault location and isolation, live-line working "
        "methods and safety for 10 kV distribution lines.",
        ["distribution automation", "feeder terminal maintenance", "live-line working"],
        ["Configure an FTU for fault isolation", "Plan a live-line job safely"],
        64,
    ),
    "pv_storage": (
        "Photovoltaic and Energy Storage Systems",
        "Design, installation and operation of PV plants and battery storage, grid-connected "
        "inverters and microgrid control.",
        ["photovoltaic system installation", "energy storage operation", "grid-connected inverter"],
        ["Size a rooftop PV system", "Commission a storage inverter"],
        56,
    ),
    "rail_vehicle": (
        "Urban Rail Vehicle Structure and Maintenance",
        "Metro vehicle bogies, brakes, doors and traction; scheduled inspection and repair of "
        "rolling stock.",
        ["rolling stock maintenance", "bogie inspection", "train brake system maintenance"],
        ["Inspect a bogie to the maintenance schedule", "Test a door system"],
        80,
    ),
    "rail_signal": (
        "Rail Signalling and Train Control",
        "Interlocking, track circuits, CBTC train control and signalling equipment maintenance "
        "for urban rail lines.",
        ["railway signalling maintenance", "CBTC train control", "interlocking systems"],
        ["Test a track circuit", "Read an interlocking table"],
        72,
    ),
    "rail_traction": (
        "Traction Power Supply for Rail Transit",
        "Traction substations, overhead catenary and third rail systems, traction power "
        "equipment inspection.",
        ["traction power supply", "catenary maintenance"],
        ["Inspect catenary equipment", "Operate a traction substation under supervision"],
        56,
    ),
    "circuit_analysis": (
        "Circuit Analysis and Electronic Components",
        "DC and AC circuits, resistors, capacitors, inductors, diodes and transistors; using "
        "multimeters and oscilloscopes in the lab.",
        ["circuit analysis", "electronic components", "oscilloscope measurement"],
        ["Build and measure an amplifier stage", "Identify components from a BOM"],
        64,
    ),
    "analog_digital": (
        "Analog and Digital Electronics",
        "Operational amplifiers, power supplies, logic gates, flip-flops, counters and "
        "analog-to-digital conversion.",
        ["analog circuit design", "digital logic", "power supply circuits"],
        ["Design a regulated power supply", "Build a counter with logic ICs"],
        80,
    ),
    "smt": (
        "SMT Surface Mount Production",
        "Solder paste printing, pick-and-place machine programming, reflow soldering profiles "
        "and AOI inspection in SMT lines.",
        ["SMT line operation", "pick-and-place programming", "reflow soldering", "AOI inspection"],
        ["Set up a pick-and-place program for a new board", "Tune a reflow profile"],
        72,
    ),
    "pcb_design": (
        "PCB Design with Altium Designer",
        "Schematic capture, PCB layout, design rules, signal integrity basics and manufacturing "
        "files (Gerber, BOM).",
        ["PCB layout", "schematic capture", "Altium Designer"],
        ["Lay out a two-layer board", "Generate Gerber files"],
        64,
    ),
    "electronic_assembly": (
        "Electronic Product Assembly and Testing",
        "Manual soldering, rework, product assembly, functional testing and ICT test fixtures "
        "for consumer electronics.",
        ["hand soldering", "electronic product testing", "functional test fixtures", "rework"],
        ["Solder fine-pitch components", "Run an end-of-line functional test"],
        64,
    ),
    "embedded": (
        "Embedded Systems with STM32",
        "Microcontroller programming in C: GPIO, timers, interrupts, UART/SPI/I2C, sensors and "
        "low-power design on STM32.",
        ["embedded C programming", "STM32 microcontrollers", "UART SPI I2C interfaces"],
        ["Write firmware that reads a sensor over I2C", "Debug with a JTAG probe"],
        80,
    ),
    "iot": (
        "Internet of Things Applications",
        "IoT devices, gateways and cloud platforms: MQTT, Wi-Fi and LoRa connectivity, "
        "device provisioning and data dashboards.",
        ["IoT device development", "MQTT", "wireless sensor networks"],
        ["Connect a sensor node to an IoT platform", "Build a data dashboard"],
        64,
    ),
    "networking": (
        "Computer Network Technology",
        "Ethernet, TCP/IP, routing and switching, VLANs, network configuration of Huawei and "
        "Cisco devices and network troubleshooting.",
        ["network configuration", "routing and switching", "TCP/IP", "network troubleshooting"],
        ["Configure VLANs and OSPF routing", "Troubleshoot a network outage"],
        72,
    ),
    "fiber": (
        "Optical Fiber Communication",
        "Optical fibers and cables, fusion splicing, OTDR testing, optical transmission "
        "equipment and access networks (FTTH).",
        ["fiber fusion splicing", "OTDR testing", "optical transmission equipment"],
        ["Splice and test a fiber link", "Install an FTTH drop"],
        56,
    ),
    "comm_principles": (
        "Principles of Communication",
        "Signals and modulation, channel coding, multiplexing and noise; the foundations of "
        "wired and wireless communication systems.",
        ["modulation and demodulation", "communication systems fundamentals", "signal analysis"],
        ["Analyse a modulated signal", "Compare multiplexing schemes"],
        64,
    ),
    "rf_basics": (
        "RF Circuits and Antenna Basics",
        "High-frequency circuits, impedance matching, antennas and RF measurement with "
        "spectrum and network analysers.",
        ["RF measurement", "antenna basics", "spectrum analyzer operation"],
        ["Measure return loss with a network analyser", "Match an antenna feed"],
        56,
    ),
    "semiconductor": (
        "Semiconductor Packaging and Test",
        "Wafer dicing, die bonding, wire bonding, molding and final test of integrated circuit "
        "packages; cleanroom practice.",
        ["IC packaging process", "wire bonding", "semiconductor test", "cleanroom operation"],
        ["Operate a wire bonder", "Read a final-test yield report"],
        64,
    ),
    "quality_mgmt": (
        "Quality Management and Lean Six Sigma",
        "ISO 9001 and IATF 16949 quality systems, 8D problem solving, FMEA, control plans and "
        "Six Sigma tools.",
        ["IATF 16949", "8D problem solving", "FMEA", "Six Sigma"],
        ["Lead an 8D report", "Write a process FMEA"],
        48,
    ),
    "python": (
        "Python Programming for Industry",
        "Python for data processing and automation: scripts, pandas, reading equipment data and "
        "simple dashboards.",
        ["Python programming", "data analysis with pandas", "automation scripting"],
        ["Clean and summarise production data", "Automate a report"],
        64,
    ),
    "industrial_network": (
        "Industrial Networks and Fieldbus",
        "PROFINET, Modbus, EtherCAT and OPC UA in factories; network configuration and "
        "diagnostics of industrial communication.",
        ["industrial Ethernet", "Modbus", "OPC UA", "fieldbus diagnostics"],
        ["Connect a PLC and drives over PROFINET", "Read data over OPC UA"],
        48,
    ),
    "mes": (
        "Manufacturing Execution Systems and Digital Factory",
        "MES functions, production scheduling, traceability, digital twins and industrial "
        "internet platforms for smart manufacturing.",
        ["MES operation", "production traceability", "digital twin basics"],
        ["Trace a batch through an MES", "Model a line as a digital twin"],
        48,
    ),
    "safety": (
        "Occupational Safety and 6S Management",
        "Workplace safety rules, lockout-tagout, hazard identification and 6S site management "
        "in manufacturing.",
        ["lockout tagout", "hazard identification", "6S management"],
        ["Apply lockout-tagout to a machine", "Run a 6S audit"],
        32,
    ),
    "logistics": (
        "Production Logistics and Warehousing",
        "Material flow, warehouse management systems, kanban and supplier logistics for "
        "manufacturing plants.",
        ["warehouse management", "kanban", "material planning"],
        ["Set up a kanban loop", "Run cycle counts in a WMS"],
        48,
    ),
    "robot_cn": (
        "工业机器人编程与操作",
        "六轴工业机器人示教编程、坐标系标定、搬运与码垛应用，以及机器人工作站的安全操作。",
        ["工业机器人示教编程", "机器人坐标系标定", "码垛应用编程"],
        ["完成搬运码垛程序", "标定工具坐标系"],
        72,
    ),
    "smt_cn": (
        "电子产品SMT工艺",
        "锡膏印刷、贴片机编程、回流焊温度曲线设置与AOI检测，面向电子制造企业的表面贴装生产。",
        ["贴片机编程", "回流焊工艺", "AOI检测"],
        ["为新板设置贴片程序", "调整回流焊温度曲线"],
        64,
    ),
}

# Programs: school index -> list of (name, level, annual graduates, description, topic keys)
PROGRAMS: dict[int, list[tuple[str, str, int, str, list[str]]]] = {
    0: [
        (
            "Automotive Manufacturing and Assembly Technology",
            "associate",
            120,
            "Prepares technicians for vehicle body, assembly and quality roles in car plants.",
            [
                "auto_assembly",
                "auto_engine",
                "auto_electrical",
                "robot_welding",
                "quality_mgmt",
                "mech_drawing",
                "safety",
            ],
        ),
        (
            "Electrical Automation Technology",
            "associate",
            150,
            "Automation of production equipment: PLCs, drives, sensors and industrial networks.",
            [
                "plc",
                "hmi",
                "electrical_control",
                "sensors",
                "motor_drives",
                "industrial_network",
                "mes",
            ],
        ),
        (
            "Numerical Control Technology",
            "associate",
            90,
            "CNC machining, programming and quality inspection for machinery manufacturing.",
            ["cnc_programming", "cad_cam", "mech_drawing", "metrology", "equipment_maintenance"],
        ),
        (
            "New Energy Vehicle Technology",
            "associate",
            80,
            "Maintenance and testing of electric vehicles, batteries and electric drives.",
            ["nev_battery", "nev_motor", "auto_electrical", "circuit_analysis", "safety"],
        ),
        (
            "Industrial Robot Technology",
            "associate",
            60,
            "Operation, programming and integration of industrial robots in manufacturing cells.",
            ["industrial_robot", "robot_integration", "plc", "sensors", "robot_welding"],
        ),
    ],
    1: [
        (
            "Urban Rail Vehicle Technology",
            "associate",
            110,
            "Inspection and repair of metro and light-rail rolling stock.",
            ["rail_vehicle", "electrical_control", "hydraulics", "equipment_maintenance", "safety"],
        ),
        (
            "Railway Signalling and Control",
            "associate",
            90,
            "Signalling, interlocking and train control equipment of urban rail lines.",
            ["rail_signal", "circuit_analysis", "networking", "industrial_network", "sensors"],
        ),
        (
            "Rail Traction Power Supply",
            "associate",
            70,
            "Traction substations and catenary systems for railways and metros.",
            ["rail_traction", "power_supply", "electrical_control", "safety"],
        ),
        (
            "Power Supply and Utilization Technology",
            "associate",
            100,
            "Substations, distribution networks and smart grid equipment.",
            [
                "power_supply",
                "distribution_automation",
                "smart_meter",
                "pv_storage",
                "circuit_analysis",
            ],
        ),
        (
            "Mechanical Manufacturing and Automation",
            "associate",
            80,
            "Machining, hydraulics and maintenance of manufacturing equipment.",
            ["cnc_programming", "hydraulics", "mech_drawing", "equipment_maintenance", "plc"],
        ),
    ],
    2: [
        (
            "Welding Technology and Automation",
            "technician",
            70,
            "Manual and robotic welding of steel structures for machinery and vehicles.",
            ["welding", "robot_welding", "mech_drawing", "metallography", "safety"],
        ),
        (
            "Construction Machinery Maintenance",
            "technician",
            60,
            "Maintenance of excavators, loaders and cranes: engines, hydraulics and electrics.",
            ["hydraulics", "auto_engine", "electrical_control", "equipment_maintenance"],
        ),
        (
            "Metallurgical Technology",
            "technician",
            50,
            "Iron and steel production processes, heat treatment and material testing.",
            ["steel_process", "metallography", "equipment_maintenance", "safety"],
        ),
        (
            "Industrial Robot Application and Maintenance",
            "technician",
            50,
            "面向柳州制造企业的工业机器人操作与维护。",
            ["robot_cn", "industrial_robot", "plc", "electrical_control"],
        ),
        (
            "Machining and CNC Operation",
            "technician",
            80,
            "CNC lathe and milling operation, measurement and process planning.",
            ["cnc_programming", "metrology", "mech_drawing", "cad_cam"],
        ),
    ],
    3: [
        (
            "Electronic Information Engineering Technology",
            "associate",
            140,
            "Electronic circuits, embedded systems and product testing for the electronics "
            "industry.",
            ["circuit_analysis", "analog_digital", "embedded", "pcb_design", "electronic_assembly"],
        ),
        (
            "Communication Technology",
            "associate",
            100,
            "Networks and transmission for telecom operators and equipment makers.",
            ["comm_principles", "networking", "fiber", "rf_basics", "iot"],
        ),
        (
            "Internet of Things Application Technology",
            "associate",
            90,
            "IoT devices, networks and data platforms for smart factories and cities.",
            ["iot", "embedded", "networking", "python", "sensors"],
        ),
        (
            "Intelligent Manufacturing Engineering",
            "associate",
            80,
            "Automated lines, robots and MES in electronics manufacturing.",
            ["plc", "industrial_robot", "mes", "industrial_network", "quality_mgmt"],
        ),
        (
            "Industrial Data Technology",
            "associate",
            60,
            "Data collection and analysis for manufacturing.",
            ["python", "mes", "industrial_network", "quality_mgmt"],
        ),
    ],
    4: [
        (
            "Electronic Technology Application",
            "secondary",
            160,
            "Assembly, soldering and testing of electronic products.",
            ["electronic_assembly", "smt", "circuit_analysis", "smt_cn", "safety"],
        ),
        (
            "Electronic Product Manufacturing",
            "secondary",
            120,
            "SMT production and quality in consumer electronics plants.",
            ["smt", "electronic_assembly", "quality_mgmt", "logistics"],
        ),
        (
            "Computer Network Maintenance",
            "secondary",
            80,
            "Cabling, network devices and computer maintenance.",
            ["networking", "fiber", "iot"],
        ),
        (
            "Electrical Installation and Maintenance",
            "secondary",
            90,
            "Electrical wiring, control circuits and equipment maintenance.",
            ["electrical_control", "power_supply", "sensors", "safety"],
        ),
        (
            "Semiconductor Manufacturing Operations",
            "secondary",
            50,
            "Operators for IC packaging and testing lines.",
            ["semiconductor", "electronic_assembly", "quality_mgmt", "safety"],
        ),
    ],
    5: [
        (
            "Industrial Robot Technology",
            "associate",
            70,
            "Robot programming and system integration for electronics assembly.",
            ["industrial_robot", "robot_integration", "plc", "sensors", "motor_drives"],
        ),
        (
            "Microelectronics Technology",
            "associate",
            60,
            "Semiconductor processes, packaging and test.",
            ["semiconductor", "analog_digital", "circuit_analysis", "quality_mgmt"],
        ),
        (
            "Smart Product Development",
            "associate",
            60,
            "Design of connected consumer products: hardware, firmware and testing.",
            ["embedded", "pcb_design", "iot", "electronic_assembly"],
        ),
        (
            "Mechatronics Technology",
            "associate",
            90,
            "Mechanical, electrical and control integration of automated equipment.",
            ["plc", "motor_drives", "hydraulics", "cad_cam", "industrial_network"],
        ),
        (
            "Modern Logistics and Supply Chain",
            "associate",
            50,
            "Manufacturing logistics, warehousing and planning.",
            ["logistics", "mes", "python"],
        ),
    ],
}

# Roles enterprises post: key -> (title, kind, description, skills, enterprise indexes)
ROLES: dict[str, tuple[str, str, str, list[str], list[int]]] = {
    "plc_engineer": (
        "PLC Programming Engineer",
        "job",
        "Program and commission PLC control of stamping and assembly lines; support "
        "maintenance with fault diagnosis.",
        ["PLC programming", "Siemens TIA Portal", "HMI design", "electrical schematics reading"],
        [0, 1, 5, 6, 11],
    ),
    "plc_intern": (
        "Automation Intern (PLC)",
        "internship",
        "Assist automation engineers with PLC program changes and line commissioning.",
        ["PLC programming", "ladder logic", "sensor wiring"],
        [0, 1, 7, 11],
    ),
    "cnc_operator": (
        "CNC Machinist",
        "job",
        "Operate and program CNC lathes and machining centres for gear and shaft parts.",
        ["CNC programming", "G-code", "dimensional inspection"],
        [1, 6],
    ),
    "cnc_intern": (
        "CNC Machining Intern",
        "internship",
        "Learn CNC setup, tool offsets and part inspection on the gear line.",
        ["CNC machine operation", "engineering drawing", "caliper and micrometer measurement"],
        [6, 1],
    ),
    "welder": (
        "Welder (MIG/TIG)",
        "job",
        "Weld structural steel parts of excavator booms and frames to procedure.",
        ["MIG welding", "TIG welding", "weld inspection"],
        [1, 2],
    ),
    "robot_welding_tech": (
        "Robotic Welding Technician",
        "job",
        "Program and maintain welding robots on the body-in-white line.",
        ["welding robot programming", "robotic welding cell maintenance", "PLC basics"],
        [0, 5],
    ),
    "robot_tech": (
        "Industrial Robot Technician",
        "job",
        "Operate, program and maintain six-axis robots in assembly and handling cells.",
        ["industrial robot programming", "teach pendant operation", "robot maintenance"],
        [0, 7, 9, 11],
    ),
    "robot_integration_eng": (
        "Robot System Integration Engineer",
        "job",
        "Design and commission robotic cells with vision and PLC control for customers.",
        [
            "robot system integration",
            "machine vision",
            "PLC programming",
            "offline robot programming",
        ],
        [11],
    ),
    "assembly_tech": (
        "Vehicle Assembly Technician",
        "job",
        "Work on the final assembly line with torque tools; report quality issues.",
        ["vehicle assembly process", "torque control", "quality awareness"],
        [0, 5],
    ),
    "auto_diag": (
        "Automotive Electrical Diagnostic Technician",
        "job",
        "Diagnose electrical and CAN bus faults at end-of-line testing.",
        ["automotive electrical diagnosis", "CAN bus diagnostics", "oscilloscope measurement"],
        [0, 5],
    ),
    "ev_battery": (
        "EV Battery Test Technician",
        "job",
        "Test battery modules and packs, analyse BMS data and work to high-voltage safety rules.",
        ["EV battery pack testing", "battery management system", "high-voltage safety"],
        [5],
    ),
    "ev_intern": (
        "New Energy Vehicle Intern",
        "internship",
        "Support battery and electric drive testing in the NEV lab.",
        ["high-voltage safety", "electric drive system", "multimeter measurement"],
        [5, 0],
    ),
    "hydraulic_tech": (
        "Hydraulic Systems Service Technician",
        "job",
        "Service hydraulic systems of loaders and excavators in the field.",
        ["hydraulic troubleshooting", "hydraulic system maintenance", "diesel engine basics"],
        [1],
    ),
    "maintenance_tech": (
        "Equipment Maintenance Technician",
        "job",
        "Preventive maintenance of rolling mills and production equipment.",
        ["preventive maintenance", "vibration analysis", "electrical control circuits"],
        [2, 6, 1],
    ),
    "steel_operator": (
        "Continuous Casting Operator",
        "job",
        "Operate the caster and monitor steel quality in the steelmaking plant.",
        ["continuous casting operation", "steelmaking process control", "safety rules"],
        [2],
    ),
    "heat_treat": (
        "Heat Treatment Technician",
        "job",
        "Run quench and temper furnaces and test hardness of gears and shafts.",
        ["heat treatment", "hardness testing", "metallographic analysis"],
        [6, 2],
    ),
    "substation": (
        "Substation Operation Technician",
        "job",
        "Operate and inspect 110 kV / 10 kV substations; switching operations.",
        ["substation operation", "relay protection", "switching operation tickets"],
        [3],
    ),
    "dist_auto": (
        "Distribution Automation Technician",
        "job",
        "Maintain feeder automation terminals and restore faults on distribution lines.",
        ["distribution automation", "feeder terminal maintenance", "live-line working"],
        [3],
    ),
    "meter_intern": (
        "Smart Meter Installation Intern",
        "internship",
        "Install and commission smart meters and collection terminals.",
        ["smart meter installation", "power information collection"],
        [3],
    ),
    "pv_tech": (
        "PV and Energy Storage O&M Technician",
        "job",
        "Operate and maintain rooftop PV and storage systems of industrial customers.",
        ["photovoltaic system maintenance", "energy storage operation", "inverter troubleshooting"],
        [3, 5],
    ),
    "rolling_stock": (
        "Rolling Stock Maintenance Technician",
        "job",
        "Scheduled maintenance of metro vehicles: bogies, brakes and doors.",
        ["rolling stock maintenance", "bogie inspection", "brake system maintenance"],
        [4],
    ),
    "rail_signal": (
        "Signalling Maintenance Technician",
        "job",
        "Maintain interlocking and CBTC equipment on metro lines.",
        ["railway signalling maintenance", "CBTC train control", "track circuit testing"],
        [4],
    ),
    "rail_intern": (
        "Rail Equipment Intern",
        "internship",
        "Assist with vehicle and equipment inspections in the depot.",
        ["rolling stock inspection", "electrical control circuits", "safety rules"],
        [4],
    ),
    "smt_tech": (
        "SMT Process Technician",
        "job",
        "Set up pick-and-place programs and reflow profiles for new products.",
        ["SMT line operation", "pick-and-place programming", "reflow soldering"],
        [7, 9],
    ),
    "smt_intern": (
        "SMT Production Intern",
        "internship",
        "Operate SMT equipment and AOI under supervision.",
        ["SMT line operation", "AOI inspection", "hand soldering"],
        [7, 9],
    ),
    "test_tech": (
        "Electronic Test Technician",
        "job",
        "Run functional and ICT tests; analyse failures and rework boards.",
        [
            "electronic product testing",
            "functional test fixtures",
            "rework",
            "oscilloscope measurement",
        ],
        [7, 9, 8],
    ),
    "hw_engineer": (
        "Hardware Engineer",
        "job",
        "Design schematics and PCB layouts of smart devices.",
        ["PCB layout", "schematic capture", "analog circuit design"],
        [9, 7],
    ),
    "embedded_dev": (
        "Embedded Software Developer",
        "job",
        "Develop STM32 firmware for IoT devices.",
        ["embedded C programming", "STM32 microcontrollers", "MQTT"],
        [9, 8],
    ),
    "embedded_intern": (
        "Embedded Development Intern",
        "internship",
        "Write and test firmware for sensor boards.",
        ["embedded C programming", "I2C SPI interfaces", "sensor wiring"],
        [9, 7],
    ),
    "network_eng": (
        "Network Engineer",
        "job",
        "Configure and maintain the plant network and industrial Ethernet.",
        ["network configuration", "routing and switching", "industrial Ethernet"],
        [8, 7, 0],
    ),
    "fiber_tech": (
        "Optical Transmission Technician",
        "job",
        "Install and test fiber links and optical transmission equipment.",
        ["fiber fusion splicing", "OTDR testing", "optical transmission equipment"],
        [8],
    ),
    "semi_operator": (
        "Wire Bonding Operator",
        "job",
        "Operate wire bonders and die bonders in the packaging cleanroom.",
        ["wire bonding", "cleanroom operation", "IC packaging process"],
        [10],
    ),
    "semi_test_intern": (
        "Semiconductor Test Intern",
        "internship",
        "Support final test and yield analysis of IC packages.",
        ["semiconductor test", "yield analysis", "Python programming"],
        [10],
    ),
    "quality_eng": (
        "Supplier Quality Engineer",
        "job",
        "Lead 8D problem solving and PFMEA with suppliers under IATF 16949.",
        ["8D problem solving", "FMEA", "IATF 16949"],
        [0, 5, 6, 7],
    ),
    "mes_eng": (
        "MES Implementation Engineer",
        "job",
        "Roll out MES traceability and connect equipment over OPC UA.",
        ["MES operation", "OPC UA", "production traceability", "SQL"],
        [0, 7, 9],
    ),
    "data_intern": (
        "Production Data Analysis Intern",
        "internship",
        "Analyse production and quality data with Python and build dashboards.",
        ["Python programming", "data analysis with pandas", "data visualization"],
        [0, 7, 10],
    ),
    "logistics_intern": (
        "Warehouse and Logistics Intern",
        "internship",
        "Support kanban and WMS processes in the parts warehouse.",
        ["warehouse management", "kanban"],
        [0, 1],
    ),
    "apprentice_mech": (
        "Mechatronics Apprentice",
        "apprenticeship",
        "Three-year dual apprenticeship in maintenance of automated lines.",
        ["electrical control circuits", "PLC basics", "mechanical maintenance"],
        [0, 1, 6],
    ),
    "training_plc": (
        "In-house Training: Advanced PLC and Motion Control",
        "training",
        "Training request for a 40-hour course on PLC motion control and servo drives for our "
        "maintenance staff.",
        ["motion control", "servo drive tuning", "PLC programming"],
        [1, 6],
    ),
    "robot_cn": (
        "工业机器人运维工程师",
        "job",
        "负责焊装车间工业机器人的日常维护、示教编程与故障排除。",
        ["工业机器人示教编程", "机器人故障排除", "PLC编程"],
        [0, 5],
    ),
    "smt_cn": (
        "SMT工艺工程师",
        "job",
        "负责贴片线新产品导入，编写贴片程序并优化回流焊温度曲线。",
        ["贴片机编程", "回流焊工艺", "AOI检测"],
        [7],
    ),
}

# The gap that must never be missed: 5G base-station skills that no course teaches. The first
# demand is posted 18 months before the anchor date; more follow, including one in Chinese.
FIVE_G_DEMANDS = [
    # (enterprise index, title, description, skills, months before anchor, openings, kind)
    (
        7,
        "5G Base Station Maintenance Technician",
        "Install, commission and maintain 5G base stations (AAU/BBU) for our network equipment "
        "service contracts; fault handling on site.",
        [
            "5G base station maintenance",
            "AAU/BBU installation and commissioning",
            "5G NR fault handling",
        ],
        18,
        12,
        "job",
    ),
    (
        8,
        "5G Base Station Field Engineer",
        "Field maintenance of 5G gNodeB sites: hardware replacement, alarms, acceptance tests.",
        ["5G base station maintenance", "5G gNodeB alarm handling", "site acceptance testing"],
        14,
        8,
        "job",
    ),
    (
        7,
        "5G Base Station Maintenance Intern",
        "Learn 5G base station upkeep with our field teams.",
        ["5G base station maintenance", "AAU/BBU installation and commissioning"],
        9,
        6,
        "internship",
    ),
    (
        8,
        "5G基站维护工程师",
        "负责5G基站（AAU/BBU）的安装调测、日常维护与故障处理。",
        ["5G基站维护", "基站安装调测", "5G故障处理"],
        5,
        10,
        "job",
    ),
    (
        7,
        "5G BTS Upkeep Technician",
        "Keep 5G BTS sites running: preventive upkeep, alarm clearing, module swaps.",
        ["5G BTS upkeep", "5G base station maintenance"],
        2,
        6,
        "job",
    ),
]

STUDENT_SKILLS = [
    "teamwork",
    "English reading",
    "Microsoft Excel",
    "safety awareness",
    "problem solving",
    "Python basics",
]
STUDENT_INTERESTS = [
    "automation",
    "electric vehicles",
    "robots",
    "electronics",
    "networks",
    "quality",
    "rail",
    "power systems",
    "data",
]
